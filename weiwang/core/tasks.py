"""Background work.

A function becomes a background task with `@background_task` and is started with
`run_in_background(function, *args)` (arguments must be JSON: ids, strings, flags). Where it
runs depends on the settings, never on the caller:

- Celery workers, when a broker is configured (production: Redis). Tasks are acknowledged when
  they end, so a task whose worker died runs again: every task must be safe to run twice.
- A thread of the web process otherwise (the embedded default, `make demo`).
- At once, in the caller, when TASKS_EAGER (tests).

Outside eager mode a task starts once the caller's transaction commits, so it sees what the
caller wrote.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from celery import shared_task
from django.conf import settings
from django.db import connections, transaction

logger = logging.getLogger(__name__)

_TASKS: dict[str, Callable[..., None]] = {}


def background_task(function: Callable[..., None]) -> Callable[..., None]:
    """Register a module-level function as runnable in the background (by name)."""
    _TASKS[_name(function)] = function
    return function


def _name(function: Callable[..., None]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def run_in_background(task: Callable[..., None], *args: object) -> None:
    name = _name(task)
    if _TASKS.get(name) is not task:
        raise ValueError(f"{name} is not registered with @background_task")
    if settings.TASKS_EAGER:
        task(*args)
    elif settings.CELERY_BROKER_URL:
        transaction.on_commit(lambda: run_task.delay(name, *args))
    else:
        transaction.on_commit(
            lambda: threading.Thread(target=_run, args=(task, *args), daemon=True).start()
        )


def _run(task: Callable[..., None], *args: object) -> None:
    try:
        task(*args)
    except Exception:
        logger.exception("Background task %s failed", task.__name__)
    finally:
        connections.close_all()


@shared_task(name="weiwang.run_task")
def run_task(name: str, *args: object) -> None:
    """What a Celery worker runs: the registered task of that name (nothing else)."""
    import importlib

    module = name.rsplit(".", 1)[0]
    importlib.import_module(module)  # registers the module's tasks in this worker
    task = _TASKS.get(name)
    if task is None:
        raise ValueError(f"Unknown background task {name}")
    task(*args)
