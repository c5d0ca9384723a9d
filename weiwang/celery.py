"""The Celery application: `celery -A weiwang.celery worker` and `celery -A weiwang.celery beat`
in production (see README)."""

from __future__ import annotations

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

app = Celery("weiwang")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["weiwang.core"])


@app.on_after_finalize.connect
def _schedule_periodic_jobs(sender: Celery, **kwargs: object) -> None:
    """Celery beat runs every job registered with @periodic_task (weiwang/core/periodic.py)."""
    import django

    django.setup()  # the apps register their jobs when ready (idempotent)
    from weiwang.core.periodic import PERIODIC
    from weiwang.core.tasks import run_task

    for name, (_function, every) in PERIODIC.items():
        sender.add_periodic_task(every, run_task.s(name), name=name)
