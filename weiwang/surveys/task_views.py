"""The worker's survey tasks on the phone (online, or queued offline and uploaded once), and the
household's own public link to its task."""

from __future__ import annotations

import json
import secrets

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_ratelimit.core import is_ratelimited

from weiwang.access import Action, get_or_404, require
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.surveys import selectors, services
from weiwang.surveys.models import CampaignStatus, SurveyTask, TaskSource

PAGE_SIZE = 30
_SIGNER = signing.Signer(salt="weiwang.surveys.public-task")


def public_token(task: SurveyTask) -> str:
    return _SIGNER.sign(str(task.pk))


def task_from_token(token: str) -> SurveyTask:
    """The task a household's link names, while its campaign is open to households."""
    try:
        pk = int(_SIGNER.unsign(token))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    task = (
        SurveyTask.objects.select_related("campaign__form", "household__dwelling")
        .filter(campaign__allow_public=True, campaign__status=CampaignStatus.OPEN)
        .filter(pk=pk)
        .first()
    )
    if task is None:
        raise Http404
    return task


def _worker_tasks(user):
    return selectors.tasks_for_user(user).filter(campaign__status=CampaignStatus.OPEN)


@login_required
def task_list(request: HttpRequest) -> HttpResponse:
    """Open campaigns' households in the worker's area: still to do first, in walking order."""
    require(request.user, Action.HANDLE_CASES)
    tasks = _worker_tasks(request.user)
    campaigns = selectors.campaigns_for_user(request.user, Action.HANDLE_CASES).filter(
        status=CampaignStatus.OPEN
    )
    campaign = request.GET.get("campaign", "")
    if campaign.isdigit():
        tasks = tasks.filter(campaign_id=int(campaign))
    state = request.GET.get("state", "todo")
    tasks = tasks.filter(answered_at__isnull=state != "done")
    tasks = tasks.order_by("campaign__deadline", "household__dwelling__address")
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "campaigns": campaigns,
        "campaign": campaign,
        "state": state,
        "query": f"campaign={campaign}&state={state}",
    }
    return render(request, "surveys/tasks.html", context)


def _raw_answers(post, questions) -> dict[str, list[str]]:
    return {str(q.pk): post.getlist(f"q-{q.pk}") for q in questions}


def _stored(task: SurveyTask) -> dict[str, list[str]]:
    return {
        qid: [str(v) for v in value] if isinstance(value, list) else [str(value)]
        for qid, value in (task.answers or {}).items()
    }


def _photos(files, questions) -> dict[int, list]:
    return {q.pk: files.getlist(f"q-{q.pk}") for q in questions if q.kind == "photo"}


def _fill(request: HttpRequest, task: SurveyTask, *, actor, source: str, template: str, extra):
    """The form for one household, and its submission (shared by worker and public pages)."""
    questions = list(task.campaign.form.questions.all())
    error = ""
    if request.method == "POST":
        try:
            services.task_answer(
                actor=actor,
                task=task,
                raw=_raw_answers(request.POST, questions),
                idempotency_key=request.POST.get("idempotency_key", ""),
                photos=_photos(request.FILES, questions),
                source=source,
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            return None
    given = _raw_answers(request.POST, questions) if error else _stored(task)
    for question in questions:
        question.current = given.get(str(question.pk), [])
    context = {
        "task": task,
        "questions": questions,
        "key": secrets.token_hex(16),
        "error": error,
        **extra,
    }
    return render(request, template, context, status=400 if error else 200)


@login_required
def task_fill(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    task = get_or_404(_worker_tasks(request.user), pk)
    extra: dict[str, object] = {"emergency": _active_sweep(task)}
    if task.campaign.allow_public:
        url = request.build_absolute_uri(reverse("survey_public", args=[public_token(task)]))
        extra |= {"public_url": url, "qr": segno.make(url, error="m").svg_inline(scale=4)}
    response = _fill(
        request,
        task,
        actor=request.user,
        source=TaskSource.WORKER,
        template="surveys/fill.html",
        extra=extra,
    )
    if response is None:
        messages.success(request, _("已保存这一户的摸排。"))
        return redirect(reverse("survey_tasks") + f"?campaign={task.campaign_id}")
    return response


@login_required
@require_POST
def task_upload(request: HttpRequest) -> HttpResponse:
    """The phone's queue of answers filled offline (JSON; the same rules as the form)."""
    require(request.user, Action.HANDLE_CASES)
    try:
        data = json.loads(request.body or b"{}")
        task = get_or_404(_worker_tasks(request.user), data.get("task_id"))
        raw = {k.removeprefix("q-"): v for k, v in (data.get("answers") or {}).items()}
        task, created = services.task_answer(
            actor=request.user,
            task=task,
            raw=raw,
            idempotency_key=str(data.get("idempotency_key", "")),
            # Filled in offline: the phone's time of filling, not of sending.
            answered_at=form_datetime(data.get("answered_at") or data.get("queued_at")),
        )
    except (ValueError, TypeError, AttributeError):
        return JsonResponse(
            {"error": {"code": "invalid", "message": _("数据格式不正确。")}}, status=400
        )
    except ApplicationError as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=400)
    return JsonResponse({"id": task.pk, "created": created}, status=201 if created else 200)


def _active_sweep(task: SurveyTask):
    from weiwang.emergency.models import Emergency

    return Emergency.objects.filter(sweep_id=task.campaign_id, ended_at=None).first()


def public_fill(request: HttpRequest, token: str) -> HttpResponse:
    """A household answers its own task from the link its worker shared."""
    task = task_from_token(token)
    if request.method == "POST" and is_ratelimited(
        request,
        group="survey-public",
        key="ip",
        rate=settings.SURVEY_PUBLIC_IP_RATE,
        method="POST",
        increment=True,
    ):
        return render(request, "surveys/public_done.html", {"limited": True}, status=429)
    response = _fill(
        request,
        task,
        actor=None,
        source=TaskSource.PUBLIC,
        template="surveys/public_fill.html",
        extra={"token": token, "emergency": _active_sweep(task)},
    )
    return response or render(request, "surveys/public_done.html", {"task": task})
