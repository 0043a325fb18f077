from django.apps import AppConfig


class LeadsConfig(AppConfig):
    name = "leads"

    def ready(self):
        from corsheaders.signals import check_request_enabled

        from leads.capture import cors_allow_capture_origin

        # CORS is allowed per capture form, never globally (settings.CORS_ALLOWED_ORIGINS is empty).
        check_request_enabled.connect(cors_allow_capture_origin, dispatch_uid="leads.capture_cors")
