from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Tandem"

    def ready(self):
        # The audit entries of roles and tokens, which no Tandem service writes.
        from crm import (
            checks,  # noqa: F401  (registers the system checks)
            receivers,  # noqa: F401
        )
