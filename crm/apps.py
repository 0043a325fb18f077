from django.apps import AppConfig


class CrmConfig(AppConfig):
    name = "crm"
    verbose_name = "Tandem"

    def ready(self):
        from django.conf import settings

        from crm.ratelimit import parse_rate

        # A wrong rate stops start-up with one sentence naming the variable, as every setting does.
        for name in ("PASSWORD_RESET_EMAIL_RATE", "PASSWORD_RESET_CLIENT_RATE"):
            parse_rate(getattr(settings, name), name=name)
