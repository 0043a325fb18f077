from django.apps import AppConfig


class AlignmentConfig(AppConfig):
    """The weekly numbers and everything that shows or sends them: dashboard, report API, digests, goals."""

    name = "alignment"
    verbose_name = "Alignment"

    def ready(self):
        from alignment import checks  # noqa: F401  (registers the system checks)
