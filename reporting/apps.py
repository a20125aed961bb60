from django.apps import AppConfig


class ReportingConfig(AppConfig):
    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reporting import audit, checks  # noqa: F401 - registers the deploy checks and audit signal receivers
        from reporting.conf import validate_reporting_settings

        validate_reporting_settings()
