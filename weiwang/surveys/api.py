"""Survey campaigns in the JSON API, scoped like the pages: campaigns with their questions and
progress, the worker's tasks (keyset-paged), answering a task once per idempotency key, and
staff confirming answers into the registry."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Query, Router, Schema, Status

from weiwang.access import Action, can, get_or_404, require
from weiwang.regions.selectors import get_region_for_user
from weiwang.surveys import selectors, services
from weiwang.surveys.models import CampaignStatus, SurveyForm

router = Router(tags=["surveys"])


class QuestionOut(Schema):
    id: int
    kind: str
    label: str
    required: bool
    choices: list[str]
    show_if: int | None
    show_if_value: str
    maps_to: str


class ProgressOut(Schema):
    region_id: int
    name: str
    total: int
    done: int
    confirmed: int


class CampaignOut(Schema):
    id: int
    title: str
    region_id: int
    deadline: dt.datetime
    status: str
    allow_public: bool
    task_count: int


class CampaignDetailOut(CampaignOut):
    questions: list[QuestionOut]
    grids: list[ProgressOut]
    micro_grids: list[ProgressOut]


class TaskOut(Schema):
    id: int
    campaign_id: int
    household_id: int
    address: str
    deadline: dt.datetime
    answers: dict | None
    answered_at: dt.datetime | None
    confirmed: bool


class TaskPageOut(Schema):
    items: list[TaskOut]
    next_after: int | None


class TaskFilters(Schema):
    campaign: int | None = None
    state: str = "todo"  # todo | done
    after: int = 0
    limit: int = 50


class AnswerIn(Schema):
    answers: dict[str, str | list[str]]
    idempotency_key: str
    answered_at: dt.datetime | None = None


class FormOut(Schema):
    id: int
    title: str
    description: str
    is_sweep_template: bool
    questions: list[QuestionOut]


class FormIn(Schema):
    title: str
    description: str = ""
    is_sweep_template: bool = False


class QuestionIn(Schema):
    kind: str
    label: str
    required: bool = False
    choices: list[str] = []
    show_if: int | None = None
    show_if_value: str = ""
    maps_to: str = ""
    maps_tag: str = ""


class CampaignIn(Schema):
    form_id: int
    region_id: int
    title: str = ""
    deadline: dt.datetime
    tag_codes: list[str] = []
    allow_public: bool = False


class ConfirmOut(Schema):
    id: int
    changes: list[str]


def _campaign(c) -> dict:
    return {
        "id": c.pk,
        "title": c.title,
        "region_id": c.region_id,
        "deadline": c.deadline,
        "status": c.status,
        "allow_public": c.allow_public,
        "task_count": c.task_count,
    }


def _progress(rows) -> list[dict]:
    return [
        {
            "region_id": p.region.pk,
            "name": p.region.name,
            "total": p.total,
            "done": p.done,
            "confirmed": p.confirmed,
        }
        for p in rows
    ]


def _task(t) -> dict:
    return {
        "id": t.pk,
        "campaign_id": t.campaign_id,
        "household_id": t.household_id,
        "address": t.household.dwelling.address,
        "deadline": t.campaign.deadline,
        "answers": t.answers,
        "answered_at": t.answered_at,
        "confirmed": t.confirmed_at is not None,
    }


def _question(q) -> dict:
    return {
        "id": q.pk,
        "kind": q.kind,
        "label": q.label,
        "required": q.required,
        "choices": q.choices,
        "show_if": q.show_if_id,
        "show_if_value": q.show_if_value,
        "maps_to": q.maps_to,
    }


def _form(f) -> dict:
    return {
        "id": f.pk,
        "title": f.title,
        "description": f.description,
        "is_sweep_template": f.is_sweep_template,
        "questions": [_question(q) for q in f.questions.all()],
    }


def _action(user) -> Action:
    return Action.RUN_SURVEYS if can(user, Action.RUN_SURVEYS) else Action.HANDLE_CASES


@router.get("/campaigns", response=list[CampaignOut])
def campaign_list(request: HttpRequest, status: str = ""):
    action = _action(request.user)
    require(request.user, action)
    campaigns = selectors.campaigns_for_user(request.user, action)
    if status:
        campaigns = campaigns.filter(status=status)
    return [_campaign(c) for c in campaigns[:200]]


@router.post("/campaigns", response={201: CampaignOut})
def campaign_start(request: HttpRequest, payload: CampaignIn):
    require(request.user, Action.RUN_SURVEYS)
    form = get_or_404(SurveyForm.objects.all(), payload.form_id)
    campaign = services.campaign_create(
        actor=request.user,
        form=form,
        region=get_region_for_user(request.user, payload.region_id),
        title=payload.title,
        deadline=payload.deadline,
        tag_codes=payload.tag_codes,
        allow_public=payload.allow_public,
    )
    return Status(201, _campaign(campaign))


@router.get("/forms", response=list[FormOut])
def form_list(request: HttpRequest):
    require(request.user, Action.RUN_SURVEYS)
    return [_form(f) for f in SurveyForm.objects.prefetch_related("questions")[:100]]


@router.post("/forms", response={201: FormOut})
def form_create(request: HttpRequest, payload: FormIn):
    require(request.user, Action.RUN_SURVEYS)
    form = services.form_create(
        actor=request.user,
        title=payload.title,
        description=payload.description,
        is_sweep_template=payload.is_sweep_template,
    )
    return Status(201, _form(form))


@router.post("/forms/{pk}/questions", response={201: QuestionOut})
def question_add(request: HttpRequest, pk: int, payload: QuestionIn):
    require(request.user, Action.RUN_SURVEYS)
    form = get_or_404(SurveyForm.objects.all(), pk)
    show_if = None
    if payload.show_if is not None:
        show_if = get_or_404(form.questions.all(), payload.show_if)
    question = services.question_add(
        actor=request.user,
        form=form,
        kind=payload.kind,
        label=payload.label,
        required=payload.required,
        choices=payload.choices,
        show_if=show_if,
        show_if_value=payload.show_if_value,
        maps_to=payload.maps_to,
        maps_tag=payload.maps_tag,
    )
    return Status(201, _question(question))


@router.get("/campaigns/{pk}", response=CampaignDetailOut)
def campaign_detail(request: HttpRequest, pk: int):
    action = _action(request.user)
    require(request.user, action)
    campaign = get_or_404(selectors.campaigns_for_user(request.user, action), pk)
    tasks = selectors.tasks_for_user(request.user, action).filter(campaign=campaign)
    grids, micro = selectors.progress(tasks)
    return {
        **_campaign(campaign),
        "questions": [_question(q) for q in campaign.form.questions.all()],
        "grids": _progress(grids),
        "micro_grids": _progress(micro),
    }


@router.get("/tasks", response=TaskPageOut)
def task_list(request: HttpRequest, filters: Query[TaskFilters]):
    """The caller's households to survey in open campaigns (by id; pass next_after on)."""
    require(request.user, Action.HANDLE_CASES)
    tasks = selectors.tasks_for_user(request.user).filter(
        campaign__status=CampaignStatus.OPEN, pk__gt=filters.after
    )
    if filters.campaign:
        tasks = tasks.filter(campaign_id=filters.campaign)
    tasks = tasks.filter(answered_at__isnull=filters.state != "done").order_by("pk")
    size = max(1, min(filters.limit, 200))
    rows = list(tasks[: size + 1])
    more = len(rows) > size
    return {
        "items": [_task(t) for t in rows[:size]],
        "next_after": rows[size - 1].pk if more else None,
    }


@router.post("/tasks/{pk}/answers", response={200: TaskOut, 201: TaskOut})
def task_answer(request: HttpRequest, pk: int, payload: AnswerIn):
    require(request.user, Action.HANDLE_CASES)
    task = get_or_404(selectors.tasks_for_user(request.user), pk)
    task, created = services.task_answer(
        actor=request.user,
        task=task,
        raw=payload.answers,
        idempotency_key=payload.idempotency_key,
        answered_at=payload.answered_at,
    )
    return Status(201 if created else 200, _task(task))


@router.post("/tasks/{pk}/confirm", response=ConfirmOut)
def task_confirm(request: HttpRequest, pk: int):
    require(request.user, Action.RUN_SURVEYS)
    task = get_or_404(selectors.tasks_for_user(request.user, Action.RUN_SURVEYS), pk)
    return {"id": task.pk, "changes": services.task_confirm(actor=request.user, task=task)}
