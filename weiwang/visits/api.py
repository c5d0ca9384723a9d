"""Visits in the JSON API: the phone uploads visits recorded offline with their original time
and an idempotency key (201 the first time, 200 with the same visit when it is sent again)."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

from weiwang.access import Action, get_or_404, require
from weiwang.people.selectors import residents_for_user
from weiwang.visits import services
from weiwang.visits.views import _households

router = Router(tags=["visits"])


class VisitIn(Schema):
    household_id: int
    kind: str
    visited_at: dt.datetime
    idempotency_key: str
    found: str = ""
    service: str = ""
    resident_id: int | None = None
    wellbeing: dict[str, str] = {}


class VisitOut(Schema):
    id: int
    household_id: int
    kind: str
    visited_at: dt.datetime
    idempotency_key: str


class DueOut(Schema):
    resident_id: int
    name: str
    address: str
    tier: str
    last_visit: dt.datetime | None
    due_at: dt.datetime
    overdue: bool


def _out(visit) -> dict:
    return {
        "id": visit.pk,
        "household_id": visit.household_id,
        "kind": visit.kind,
        "visited_at": visit.visited_at,
        "idempotency_key": visit.idempotency_key,
    }


@router.post("", response={200: VisitOut, 201: VisitOut})
def visit_upload(request: HttpRequest, payload: VisitIn):
    require(request.user, Action.HANDLE_CASES)
    household = get_or_404(_households(request.user), payload.household_id)
    resident = None
    if payload.resident_id is not None:
        resident = get_or_404(household.members.all(), payload.resident_id)
    visit, created = services.visit_record(
        visitor=request.user,
        household=household,
        kind=payload.kind,
        visited_at=payload.visited_at,
        idempotency_key=payload.idempotency_key,
        found=payload.found,
        wellbeing=payload.wellbeing,
        service=payload.service,
        resident=resident,
    )
    return Status(201 if created else 200, _out(visit))


@router.get("/due", response=list[DueOut])
def due(request: HttpRequest):
    """Who the caller should visit: overdue first, then due within a week, in walking order."""
    require(request.user, Action.HANDLE_CASES)
    rows = services.worker_list(services.due_for(residents_for_user(request.user)))
    return [
        {
            "resident_id": d.resident.pk,
            "name": d.resident.name,
            "address": d.resident.household.dwelling.address,
            "tier": d.tier.code,
            "last_visit": d.last_visit,
            "due_at": d.due_at,
            "overdue": d.overdue,
        }
        for d in rows[:500]
    ]


class CoverageOut(Schema):
    region_id: int
    name: str
    required: int
    on_time: int
    overdue: int
    never: int


class TierOut(Schema):
    code: str
    name: str
    interval_days: int
    after_change_hours: int | None
    tag_codes: list[str]


@router.get("/coverage", response=list[CoverageOut])
def coverage(request: HttpRequest, region: int):
    """This month's visit coverage per child of a region (grids of a community, micro-grids of
    a grid)."""
    from weiwang.regions.selectors import get_region_for_user

    require(request.user, Action.HANDLE_CASES)
    node = get_region_for_user(request.user, region)
    rows = services.coverage(node, residents_for_user(request.user))
    return [
        {
            "region_id": r.region_id,
            "name": r.name,
            "required": r.required,
            "on_time": r.on_time,
            "overdue": r.overdue,
            "never": r.never,
        }
        for r in rows
    ]


@router.get("/rules", response=list[TierOut])
def rules(request: HttpRequest):
    """The visit tiers and which population tags are visited at each (read-only here; admins
    change them on /visits/rules/)."""
    from weiwang.visits.models import VisitTier

    require(request.user, Action.HANDLE_CASES)
    return [
        {
            "code": t.code,
            "name": t.name,
            "interval_days": t.interval_days,
            "after_change_hours": t.after_change_hours,
            "tag_codes": sorted(r.tag_code for r in t.rules.all()),
        }
        for t in VisitTier.objects.prefetch_related("rules")
    ]
