"""Background and periodic jobs of cases."""

from __future__ import annotations

import logging

from weiwang.cases.services import cases_sweep
from weiwang.core.periodic import periodic_task

logger = logging.getLogger(__name__)


@periodic_task(every=60)
def sweep_cases() -> None:
    """Mark overdue cases, notify and escalate; archive cases nobody rated in time."""
    counts = cases_sweep()
    if any(counts.values()):
        logger.info("Case sweep: %s", counts)
