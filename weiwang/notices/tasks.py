"""Periodic jobs of notices: publishing scheduled notices and sending due deliveries (the
sending job itself is registered in weiwang/notices/sending.py)."""

from __future__ import annotations

from weiwang.core.periodic import periodic_task
from weiwang.notices import sending  # noqa: F401 (registers deliveries_send)
from weiwang.notices.notice_services import notices_publish_due


@periodic_task(every=60)
def publish_due_notices() -> None:
    notices_publish_due()
