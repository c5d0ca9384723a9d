"""Emergency mode in the JSON API, scoped like the pages: list, switch on and off, the status
board, confirming duty, and help requests through their moves."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth import get_user_model
from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from weiwang.access import Action, can, get_or_404, require
from weiwang.emergency import selectors, services
from weiwang.regions.selectors import get_region_for_user
from weiwang.surveys.models import SurveyForm
from weiwang.surveys.selectors import tasks_for_user

router = Router(tags=["emergency"])


class EmergencyOut(Schema):
    id: int
    region_id: int
    region: str
    reason: str
    started_at: dt.datetime
    ended_at: dt.datetime | None
    summary: str
    sweep_campaign_id: int | None


class BoardRowOut(Schema):
    region_id: int | None
    name: str
    total: int
    reached: int
    needs_help: int
    helped: int


class EmergencyDetailOut(EmergencyOut):
    board: BoardRowOut | None
    micro_grids: list[BoardRowOut]
    on_duty: int
    called: int


class StartIn(Schema):
    region_id: int
    reason: str
    template_id: int
    sweep_hours: int = 3


class EndIn(Schema):
    summary: str


class HelpIn(Schema):
    household_id: int
    kind: str
    details: str


class HelpOut(Schema):
    id: int
    household_id: int
    kind: str
    details: str
    status: str
    assignee_id: int | None


class DutyOut(Schema):
    confirmed_at: dt.datetime


class MoveIn(Schema):
    move: str
    assignee_id: int | None = None
    note: str = ""


def _out(e) -> dict:
    return {
        "id": e.pk,
        "region_id": e.region_id,
        "region": e.region.name,
        "reason": e.reason,
        "started_at": e.started_at,
        "ended_at": e.ended_at,
        "summary": e.summary,
        "sweep_campaign_id": e.sweep_id,
    }


def _row(row) -> dict:
    return {
        "region_id": row.region.pk if row.region else None,
        "name": row.region.name if row.region else "",
        "total": row.total,
        "reached": row.reached,
        "needs_help": row.needs_help,
        "helped": row.helped,
    }


def _help(r) -> dict:
    return {
        "id": r.pk,
        "household_id": r.household_id,
        "kind": r.kind,
        "details": r.details,
        "status": r.status,
        "assignee_id": r.assignee_id,
    }


@router.get("", response=list[EmergencyOut])
def emergency_list(request: HttpRequest, active: bool = False):
    emergencies = selectors.emergencies_for_user(request.user)
    if active:
        emergencies = emergencies.filter(ended_at=None)
    return [_out(e) for e in emergencies[:200]]


@router.post("", response={201: EmergencyOut})
def emergency_start(request: HttpRequest, payload: StartIn):
    require(request.user, Action.SWITCH_EMERGENCY)
    region = get_region_for_user(request.user, payload.region_id)
    template = get_or_404(SurveyForm.objects.filter(is_sweep_template=True), payload.template_id)
    emergency = services.emergency_start(
        actor=request.user,
        region=region,
        reason=payload.reason,
        template=template,
        sweep_hours=payload.sweep_hours,
    )
    return Status(201, _out(emergency))


@router.get("/{pk}", response=EmergencyDetailOut)
def emergency_detail(request: HttpRequest, pk: int):
    emergency = get_or_404(selectors.emergencies_for_user(request.user), pk)
    detail = {**_out(emergency), "board": None, "micro_grids": [], "on_duty": 0, "called": 0}
    if can(request.user, Action.HANDLE_CASES):
        tasks = tasks_for_user(request.user).filter(campaign_id=emergency.sweep_id)
        requests = selectors.requests_for_user(request.user).filter(emergency=emergency)
        total, rows = selectors.board(emergency, tasks, requests)
        calls = emergency.calls.all()
        detail |= {
            "board": _row(total),
            "micro_grids": [_row(r) for r in rows],
            "on_duty": calls.exclude(confirmed_at=None).count(),
            "called": calls.count(),
        }
    return detail


@router.post("/{pk}/end", response=EmergencyOut)
def emergency_end(request: HttpRequest, pk: int, payload: EndIn):
    require(request.user, Action.SWITCH_EMERGENCY)
    emergency = get_or_404(selectors.switchable(request.user), pk)
    return _out(
        services.emergency_end(actor=request.user, emergency=emergency, summary=payload.summary)
    )


@router.post("/{pk}/duty", response=DutyOut)
def duty_confirm(request: HttpRequest, pk: int):
    emergency = get_or_404(selectors.emergencies_for_user(request.user), pk)
    call = services.duty_confirm(user=request.user, emergency=emergency)
    return {"confirmed_at": call.confirmed_at}


@router.post("/{pk}/help", response={201: HelpOut})
def help_create(request: HttpRequest, pk: int, payload: HelpIn):
    require(request.user, Action.HANDLE_CASES)
    emergency = get_or_404(selectors.emergencies_for_user(request.user), pk)
    task = (
        tasks_for_user(request.user)
        .filter(campaign_id=emergency.sweep_id, household_id=payload.household_id)
        .first()
    )
    if task is None:
        raise Http404
    created = services.help_request_create(
        actor=request.user,
        emergency=emergency,
        household=task.household,
        kind=payload.kind,
        details=payload.details,
    )
    return Status(201, _help(created))


@router.post("/help/{pk}/actions", response=HelpOut)
def help_move(request: HttpRequest, pk: int, payload: MoveIn):
    help_request = get_or_404(selectors.requests_for_user(request.user), pk)
    if payload.move != "deliver" and not can(request.user, Action.HANDLE_CASES):
        raise Http404
    assignee = None
    if payload.assignee_id is not None:
        assignee = get_user_model().objects.filter(pk=payload.assignee_id).first()
    moved = services.help_move(
        actor=request.user,
        request=help_request,
        move=payload.move,
        assignee=assignee,
        note=payload.note,
    )
    return _help(moved)
