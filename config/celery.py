"""The Celery app: `celery -A config worker -Q exports,celery` / `celery -A config beat`.

Configuration is the ``CELERY_*`` block of config/settings.py (broker from CELERY_BROKER_URL, else kombu's
filesystem transport under var/); tasks live in reporting/tasks.py, exports on their own ``exports`` queue.
"""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clubinsight")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
