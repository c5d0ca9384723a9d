"""Periodic jobs (the overdue sweep, …), registered with `@periodic_task(every=seconds)`.

Production: Celery beat schedules them on the workers (weiwang/celery.py). The embedded
default has no beat: while `runserver` runs, a thread of the web process runs each job when
it is due, so the demo's deadlines still pass and escalate. Jobs must be safe to run twice.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections.abc import Callable

from django.conf import settings
from django.db import close_old_connections

from weiwang.core.tasks import background_task

logger = logging.getLogger(__name__)

PERIODIC: dict[str, tuple[Callable[[], object], int]] = {}
_started = threading.Event()


def periodic_task(*, every: int) -> Callable[[Callable[[], object]], Callable[[], object]]:
    def register(function: Callable[[], object]) -> Callable[[], object]:
        background_task(function)
        PERIODIC[f"{function.__module__}.{function.__qualname__}"] = (function, every)
        return function

    return register


def run_due(last_run: dict[str, float], now: float) -> list[str]:
    """Run every job whose interval has passed since its last run; returns the names run."""
    ran = []
    for name, (function, every) in PERIODIC.items():
        if now - last_run.get(name, 0.0) < every:
            continue
        last_run[name] = now
        try:
            function()
        except Exception:
            logger.exception("Periodic job %s failed", name)
        finally:
            close_old_connections()
        ran.append(name)
    return ran


def start_embedded_scheduler() -> bool:
    """Start the in-process scheduler once, for `runserver` on the embedded default."""
    wanted = (
        settings.EMBEDDED_SCHEDULER
        and not settings.CELERY_BROKER_URL
        and not settings.TASKS_EAGER
        and len(sys.argv) > 1
        and sys.argv[1] == "runserver"
        # With the autoreloader, only the child process that serves requests runs jobs.
        and ("--noreload" in sys.argv or os.environ.get("RUN_MAIN") == "true")
    )
    if not wanted or _started.is_set():
        return False
    _started.set()

    def loop() -> None:
        last_run: dict[str, float] = {}
        time.sleep(5)  # let the server come up first
        while True:
            run_due(last_run, time.monotonic())
            time.sleep(15)

    threading.Thread(target=loop, name="weiwang-periodic", daemon=True).start()
    return True
