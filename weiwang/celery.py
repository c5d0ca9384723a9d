"""The Celery application: `celery -A weiwang.celery worker` in production (see README)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

app = Celery("weiwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["weiwang.core"])
