"""Periodic jobs of 有事好商量."""

from __future__ import annotations

from django.utils import timezone

from weiwang.core.periodic import periodic_task
from weiwang.deliberation.services import vote_close, votes_due_to_close


@periodic_task(every=60)
def close_due_votes() -> None:
    """Close every vote whose window has ended: tally, publish, and close its case."""
    for vote in votes_due_to_close(timezone.now()):
        vote_close(actor=None, vote=vote)
