"""Dates and times as forms send them."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from django.utils.dateparse import parse_datetime


def form_datetime(value: object) -> dt.datetime | None:
    """A datetime-local field (or ISO 8601 text) as an aware datetime; None if empty or bad.
    Without an offset it is local time (Asia/Shanghai)."""
    parsed = parse_datetime(str(value or ""))
    if parsed is None:
        return None
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed)
