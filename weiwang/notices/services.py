"""Sending to the in-app inbox."""

from __future__ import annotations

from collections.abc import Iterable

from django.utils import timezone

from weiwang.notices.models import Notification


def notify(*, users: Iterable, title: str, url: str = "") -> int:
    """One inbox message per distinct user; returns how many were written."""
    unique = {u.pk: u for u in users if u is not None}
    Notification.objects.bulk_create(
        Notification(user=user, title=title[:200], url=url) for user in unique.values()
    )
    return len(unique)


def notifications_mark_read(*, user, ids: Iterable[int] | None = None) -> int:
    rows = Notification.objects.filter(user=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(pk__in=list(ids))
    return rows.update(read_at=timezone.now())


def unread_count(user) -> int:
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(user=user, read_at__isnull=True).count()
