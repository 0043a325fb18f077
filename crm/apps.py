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

        connection_created.connect(register_sqlite_functions, dispatch_uid="crm_audit_sqlite_functions")
