"""Notices in the JSON API: the caller's notices (unread first flagged), and one notice, whose
reading is the read receipt."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema

from weiwang.access import get_or_404
from weiwang.notices.models import Notice, NoticeStatus, Notification
from weiwang.notices.selectors import notices_for_user

router = Router(tags=["notices"])


class NoticeOut(Schema):
    id: int
    title: str
    priority: str
    pinned: bool
    published_at: dt.datetime | None
    expires_at: dt.datetime | None
    unread: bool
    link_url: str


class NoticeDetailOut(NoticeOut):
    body: str


def _out(notice: Notice, unread: bool) -> dict:
    return {
        "id": notice.pk,
        "title": notice.title,
        "priority": notice.priority,
        "pinned": notice.pinned,
        "published_at": notice.published_at,
        "expires_at": notice.expires_at,
        "unread": unread,
        "link_url": notice.link_url,
    }


@router.get("", response=list[NoticeOut])
def notice_list(request: HttpRequest):
    now = timezone.now()
    received = (
        Notice.objects.filter(inbox__user=request.user, status=NoticeStatus.PUBLISHED)
        .exclude(expires_at__lt=now)
        .order_by("-pinned", "-published_at")[:100]
    )
    unread = set(
        Notification.objects.filter(
            user=request.user, read_at=None, notice__isnull=False
        ).values_list("notice_id", flat=True)
    )
    return [_out(n, n.pk in unread) for n in received]


@router.get("/{pk}", response=NoticeDetailOut)
def notice_detail(request: HttpRequest, pk: int):
    notice = get_or_404(notices_for_user(request.user), pk)
    read = Notification.objects.filter(notice=notice, user=request.user, read_at=None).update(
        read_at=timezone.now()
    )
    return {**_out(notice, bool(read)), "body": notice.body}
