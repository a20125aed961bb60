import sys

from django.apps import AppConfig
from django.conf import settings


class ReportingConfig(AppConfig):
    name = "reporting"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        from reporting import audit, checks, db  # noqa: F401 - deploy checks, audit receivers, the pools' fork hook
        from reporting.conf import validate_reporting_settings

        validate_reporting_settings()
        sys.setswitchinterval(settings.PYTHON_SWITCH_INTERVAL)
