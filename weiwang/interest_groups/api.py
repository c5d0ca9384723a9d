"""Interest groups and venues in the JSON API: groups near the caller with recommendations,
joining, a venue's slots for a day, and booking them for a group."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from weiwang.access import get_or_404
from weiwang.interest_groups import selectors, services

router = Router(tags=["interest groups"])


class GroupOut(Schema):
    id: int
    name: str
    kind: str
    members: int
    meets: str
    reasons: list[str] = []


class MembershipOut(Schema):
    group_id: int
    status: str


class SlotOut(Schema):
    starts_at: dt.datetime
    free: bool
    group: str | None


class BookingIn(Schema):
    group_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    purpose: str = ""


class BookingOut(Schema):
    id: int
    venue_id: int
    group_id: int
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str


def _group(g, reasons=()) -> dict:
    return {
        "id": g.pk,
        "name": g.name,
        "kind": g.kind,
        "members": getattr(g, "members", 0),
        "meets": g.meets,
        "reasons": list(reasons),
    }


@router.get("/groups", response=list[GroupOut])
def group_list(request: HttpRequest):
    return [_group(g) for g in selectors.groups_for_user(request.user).filter(active=True)[:200]]


@router.get("/groups/recommended", response=list[GroupOut])
def recommended(request: HttpRequest):
    """Groups for the caller, each with why ("因为你选择了乒乓球")."""
    return [_group(r.group, r.reasons) for r in selectors.recommendations(request.user)]


@router.post("/groups/{pk}/join", response={201: MembershipOut})
def group_join(request: HttpRequest, pk: int):
    group = get_or_404(selectors.groups_for_user(request.user), pk)
    membership = services.group_join(user=request.user, group=group)
    return Status(201, {"group_id": group.pk, "status": membership.status})


@router.get("/venues/{pk}/slots", response=list[SlotOut])
def venue_slots(request: HttpRequest, pk: int, day: dt.date | None = None):
    venue = get_or_404(selectors.venues_for_user(request.user), pk)
    slots = selectors.day_slots(venue, day or timezone.localdate())
    return [
        {"starts_at": at, "free": booking is None, "group": booking.group.name if booking else None}
        for at, booking in slots
    ]


@router.post("/venues/{pk}/bookings", response={201: BookingOut})
def booking_create(request: HttpRequest, pk: int, payload: BookingIn):
    venue = get_or_404(selectors.venues_for_user(request.user), pk)
    group = get_or_404(selectors.managed_groups(request.user), payload.group_id)
    booking = services.booking_create(
        actor=request.user,
        venue=venue,
        group=group,
        starts_at=payload.starts_at,
        ends_at=payload.ends_at,
        purpose=payload.purpose,
    )
    return Status(
        201,
        {
            "id": booking.pk,
            "venue_id": venue.pk,
            "group_id": group.pk,
            "starts_at": booking.starts_at,
            "ends_at": booking.ends_at,
            "status": booking.status,
        },
    )
