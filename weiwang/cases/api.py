"""Cases in the JSON API: list (filtered, keyset-paginated), one case with its timeline,
report, and every move of the workflow — scoped like the pages."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema, Status

from weiwang.access import Action, can
from weiwang.cases import selectors, services
from weiwang.cases.models import Case, CaseCategory, CaseEvent, CaseSource, TimeLimit
from weiwang.core.errors import ApplicationError

router = Router(tags=["cases"])


class CaseOut(Schema):
    id: int
    number: str
    title: str
    description: str
    category: str
    grade: str
    source: str
    state: str
    state_label: str
    tier: str
    handling_region_id: int
    micro_grid_id: int
    building_id: int | None
    dwelling_id: int | None
    deadline: dt.datetime
    deadline_unconfirmed: bool
    overdue: bool
    supervised: bool
    rating: str
    created_at: dt.datetime
    version: int


class EventOut(Schema):
    action: str
    label: str
    from_state: str
    to_state: str
    from_tier: str
    to_tier: str
    actor: str | None
    note: str
    created_at: dt.datetime


class CaseDetailOut(CaseOut):
    timeline: list[EventOut]


class CasePageOut(Schema):
    results: list[CaseOut]
    next_cursor: str | None


class CaseFilter(Schema):
    state: str = ""
    tier: str = ""
    category: str = ""
    limit_id: str = ""
    source: str = ""
    overdue: str = ""
    q: str = ""
    cursor: str | None = None
    limit: int = 20


class CaseIn(Schema):
    category: str  # code, e.g. "environment"
    description: str
    building_id: int | None = None
    estate_id: int | None = None  # an estate's common areas, when no building is given
    room: str = ""
    place: str = ""
    grade: str = ""  # time-limit code; the category's default when empty
    source: str = CaseSource.WORKER
    external_number: str = ""
    latitude: float | None = None
    longitude: float | None = None


class RatingIn(Schema):
    rating: str  # satisfied / basic / dissatisfied
    comment: str = ""


class ActionIn(Schema):
    action: str
    version: int
    note: str = ""
    merge_into: int | None = None


def _case(case: Case) -> dict:
    return {
        "id": case.pk,
        "number": case.number,
        "title": case.title,
        "description": case.description,
        "category": case.category.code,
        "grade": case.limit.code,
        "source": case.source,
        "state": case.state,
        "state_label": case.get_state_display(),
        "tier": case.tier,
        "handling_region_id": case.handling_region_id,
        "micro_grid_id": case.micro_grid_id,
        "building_id": case.building_id,
        "dwelling_id": case.dwelling_id,
        "deadline": case.deadline,
        "deadline_unconfirmed": case.deadline_unconfirmed,
        "overdue": case.overdue,
        "supervised": case.supervised,
        "rating": case.rating,
        "created_at": case.created_at,
        "version": case.version,
    }


def _detail(case: Case) -> dict:
    events = CaseEvent.objects.filter(case=case).select_related("actor")
    return {
        **_case(case),
        "timeline": [
            {
                "action": e.action,
                "label": e.label,
                "from_state": e.from_state,
                "to_state": e.to_state,
                "from_tier": e.from_tier,
                "to_tier": e.to_tier,
                "actor": str(e.actor) if e.actor else None,
                "note": e.note,
                "created_at": e.created_at,
            }
            for e in events
        ],
    }


@router.get("", response=CasePageOut)
def case_list(request: HttpRequest, filters: Query[CaseFilter]):
    """Cases the caller may see, newest first; pass `next_cursor` back as `cursor`."""
    params = filters.dict()
    params["limit"] = params.pop("limit_id")
    cases = selectors.filter_cases(selectors.cases_for_user(request.user), params)
    if filters.cursor:
        if not filters.cursor.isdigit():
            raise ApplicationError(
                _("cursor 无效,请使用上一页返回的 next_cursor。"), code="bad_cursor"
            )
        cases = cases.filter(pk__lt=int(filters.cursor))
    size = max(1, min(filters.limit, 100))
    rows = list(cases.order_by("-id")[: size + 1])
    more = len(rows) > size
    return {
        "results": [_case(c) for c in rows[:size]],
        "next_cursor": str(rows[size - 1].pk) if more else None,
    }


@router.get("/{case_id}", response=CaseDetailOut)
def case_detail(request: HttpRequest, case_id: int):
    return _detail(selectors.get_case_for_user(request.user, case_id))


@router.post("", response={201: CaseDetailOut})
def case_create(request: HttpRequest, payload: CaseIn):
    """Report a case (staff: a worker's report or a hotline order) at a building in scope."""
    if not can(request.user, Action.HANDLE_CASES):
        raise ApplicationError(_("只有网格工作人员可以通过接口上报事件。"), code="forbidden")
    category = CaseCategory.objects.filter(code=payload.category, active=True).first()
    if category is None:
        raise ApplicationError(_("没有这个分类:%(c)s") % {"c": payload.category}, code="category")
    limit = None
    if payload.grade:
        limit = TimeLimit.objects.filter(code=payload.grade).first()
        if limit is None:
            raise ApplicationError(_("没有这个等级:%(g)s") % {"g": payload.grade}, code="grade")
    if payload.source not in (CaseSource.WORKER, CaseSource.HOTLINE):
        raise ApplicationError(_("来源只能是 worker 或 hotline。"), code="source")
    if payload.source == CaseSource.HOTLINE and not payload.external_number.strip():
        raise ApplicationError(_("热线工单请填写工单编号。"), code="external_number")
    where = payload.building_id or (f"e{payload.estate_id}" if payload.estate_id else "")
    micro_grid, building, dwelling, estate = selectors.report_place(
        request.user, {"building": where, "room": payload.room}
    )
    case, _code = services.case_report(
        actor=request.user,
        category=category,
        description=payload.description,
        micro_grid=micro_grid,
        source=payload.source,
        limit=limit,
        estate=estate,
        building=building,
        dwelling=dwelling,
        place=payload.place,
        latitude=payload.latitude,
        longitude=payload.longitude,
        external_number=payload.external_number,
    )
    return Status(201, _detail(selectors.get_case_for_user(request.user, case.pk)))


@router.post("/{case_id}/actions", response=CaseDetailOut)
def case_action(request: HttpRequest, case_id: int, payload: ActionIn):
    """One move: accept, start, resolve, escalate, hand_back, reject, merge, pull_up,
    supervise. `version` is the case's version you last saw (409-style conflict otherwise)."""
    case = selectors.get_case_for_user(request.user, case_id)
    merge_into = None
    if payload.merge_into is not None:
        merge_into = selectors.get_case_for_user(request.user, payload.merge_into)
    services.case_act(
        actor=request.user,
        case=case,
        action=payload.action,
        version=payload.version,
        note=payload.note,
        merge_into=merge_into,
    )
    return _detail(selectors.get_case_for_user(request.user, case_id))


@router.post("/{case_id}/rating", response=CaseDetailOut)
def case_rating(request: HttpRequest, case_id: int, payload: RatingIn):
    """The reporter rates a resolved case; dissatisfied reopens it one tier up."""
    case = selectors.get_case_for_user(request.user, case_id)
    if case.reporter_id != request.user.pk:
        raise ApplicationError(_("只有反映人可以评价。"), code="forbidden")
    services.case_rate(
        case=case, rating=payload.rating, comment=payload.comment, rater=request.user
    )
    return _detail(selectors.get_case_for_user(request.user, case_id))
