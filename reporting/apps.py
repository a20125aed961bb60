from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reporting import db  # noqa: F401 - registers the fork hook for connection pools before any fork
        from reporting.conf import validate_reporting_settings

        validate_reporting_settings()
