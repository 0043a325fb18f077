from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Tandem"

    def ready(self):
        from django.db.backends.signals import connection_created

        # The audit entries of roles and tokens, which no Tandem service writes.
        from crm import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,  # noqa: F401
        )
        from crm.audit import register_sqlite_functions
        from crm.sqlite import use_the_librarys_parameter_limit

        connection_created.connect(register_sqlite_functions, dispatch_uid="crm_audit_sqlite_functions")
        connection_created.connect(use_the_librarys_parameter_limit, dispatch_uid="crm_sqlite_parameter_limit")

        self._check_rates()

    @staticmethod
    def _check_rates():
        from django.conf import settings

        from crm.money import currency_code
        from crm.ratelimit import parse_rate

        currency_code(settings.CURRENCY)

        # A wrong rate stops start-up with one sentence naming the variable, as every setting does.
        for name in ("PASSWORD_RESET_EMAIL_RATE", "PASSWORD_RESET_CLIENT_RATE"):
            parse_rate(getattr(settings, name), name=name)
