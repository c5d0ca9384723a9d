"""Background work. The embedded default runs a task in a thread of the web process (the same
function Celery workers will run in production); tests run it at once (TASKS_EAGER)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from django.conf import settings
from django.db import connections

logger = logging.getLogger(__name__)


def run_in_background(task: Callable[..., None], *args: object) -> None:
    if settings.TASKS_EAGER:
        task(*args)
        return
    threading.Thread(target=_run, args=(task, *args), daemon=True).start()


def _run(task: Callable[..., None], *args: object) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("Background task %s failed", task.__name__)
    finally:
        connections.close_all()
