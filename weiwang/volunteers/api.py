"""Volunteering in the JSON API: activities near the caller, signing up and cancelling, checking
in and out with the scanned code, points and redeeming rewards."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db.models import Count, Prefetch, Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Router, Schema, Status

from weiwang.access import get_or_404
from weiwang.volunteers import selectors, services
from weiwang.volunteers.models import ActivityStatus, PointEntry, Shift, Signup, SignupStatus
from weiwang.volunteers.views import _activity_from_code

router = Router(tags=["volunteers"])


class ShiftOut(Schema):
    id: int
    name: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    capacity: int
    taken: int
    waiting: int


class ActivityOut(Schema):
    id: int
    title: str
    place: str
    community: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    status: str
    shifts: list[ShiftOut]


class SignupOut(Schema):
    id: int
    shift_id: int
    status: str
    checked_in_at: dt.datetime | None
    checked_out_at: dt.datetime | None
    minutes: int


class CheckIn(Schema):
    code: str
    move: str = "in"  # in | out


class EntryOut(Schema):
    points: Decimal
    kind: str
    note: str
    created_at: dt.datetime


class PointsOut(Schema):
    balance: Decimal
    minutes: int
    entries: list[EntryOut]


def _signup(s) -> dict:
    return {
        "id": s.pk,
        "shift_id": s.shift_id,
        "status": s.status,
        "checked_in_at": s.checked_in_at,
        "checked_out_at": s.checked_out_at,
        "minutes": s.minutes,
    }


@router.get("", response=list[ActivityOut])
def activity_list(request: HttpRequest, upcoming: bool = True):
    activities = selectors.activities_for_user(request.user)
    if upcoming:
        activities = activities.filter(ends_at__gte=timezone.now(), status=ActivityStatus.OPEN)
    counted = Shift.objects.annotate(
        taken=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
    )
    rows = []
    with_shifts = activities.prefetch_related(Prefetch("shifts", queryset=counted))
    for a in with_shifts.order_by("starts_at")[:100]:
        shifts = [
            {
                "id": s.pk,
                "name": s.name,
                "starts_at": s.starts_at,
                "ends_at": s.ends_at,
                "capacity": s.capacity,
                "taken": s.taken,
                "waiting": s.waiting,
            }
            for s in a.shifts.all()
        ]
        rows.append(
            {
                "id": a.pk,
                "title": a.title,
                "place": a.place,
                "community": a.community.name,
                "starts_at": a.starts_at,
                "ends_at": a.ends_at,
                "status": a.status,
                "shifts": shifts,
            }
        )
    return rows


@router.post("/shifts/{pk}/signups", response={201: SignupOut})
def shift_signup(request: HttpRequest, pk: int):
    visible = selectors.activities_for_user(request.user)
    shift = get_or_404(Shift.objects.filter(activity__in=visible), pk)
    return Status(201, _signup(services.signup_create(volunteer=request.user, shift=shift)))


@router.post("/signups/{pk}/cancel", response=SignupOut)
def signup_cancel(request: HttpRequest, pk: int):
    signup = get_or_404(Signup.objects.filter(volunteer=request.user), pk)
    services.signup_cancel(actor=request.user, signup=signup)
    signup.refresh_from_db()
    return _signup(signup)


@router.post("/checkin", response=SignupOut)
def check_in(request: HttpRequest, payload: CheckIn):
    """With the code scanned at the activity: the phone proves the volunteer is there."""
    activity = _activity_from_code(payload.code)
    move = services.check_out if payload.move == "out" else services.check_in
    return _signup(move(volunteer=request.user, activity=activity))


@router.get("/points", response=PointsOut)
def points(request: HttpRequest):
    minutes, _served = selectors.hours_of(request.user)
    entries = PointEntry.objects.filter(volunteer=request.user)[:50]
    return {
        "balance": services.balance(request.user),
        "minutes": minutes,
        "entries": [
            {"points": e.points, "kind": e.kind, "note": e.note, "created_at": e.created_at}
            for e in entries
        ],
    }


@router.post("/rewards/{pk}/redeem", response={201: EntryOut})
def reward_redeem(request: HttpRequest, pk: int):
    reward = get_or_404(selectors.rewards_for_user(request.user), pk)
    entry = services.reward_redeem(volunteer=request.user, reward=reward)
    return Status(
        201,
        {
            "points": entry.points,
            "kind": entry.kind,
            "note": entry.note,
            "created_at": entry.created_at,
        },
    )
