"""Emergency pages: switching a region on and off, the status board for staff, duty for
everyone called up, and help requests (by a worker for a household, or by the household)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.errors import ApplicationError
from weiwang.emergency import selectors, services
from weiwang.emergency.models import DutyCall, Emergency, HelpKind, HelpRequest
from weiwang.regions.selectors import get_region_for_user, regions_for_user
from weiwang.surveys.models import SurveyForm
from weiwang.surveys.selectors import tasks_for_user

PAGE_SIZE = 30


@login_required
def emergency_list(request: HttpRequest) -> HttpResponse:
    emergencies = selectors.emergencies_for_user(request.user)
    if not can(request.user, Action.HANDLE_CASES) and not emergencies.exists():
        raise Http404
    state = request.GET.get("state", "")
    if state == "active":
        emergencies = emergencies.filter(ended_at=None)
    elif state == "ended":
        emergencies = emergencies.exclude(ended_at=None)
    page = Paginator(emergencies, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "state": state,
        "query": f"state={state}",
        "can_switch": can(request.user, Action.SWITCH_EMERGENCY),
    }
    return render(request, "emergency/list.html", context)


@login_required
def emergency_start(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.SWITCH_EMERGENCY)
    templates = SurveyForm.objects.filter(is_sweep_template=True)
    error = ""
    post = request.POST
    if request.method == "POST":
        try:
            region = get_region_for_user(request.user, post.get("region") or 0)
            template = get_or_404(templates, post.get("template") or 0)
            emergency = services.emergency_start(
                actor=request.user,
                region=region,
                reason=post.get("reason", ""),
                template=template,
                sweep_hours=int(post.get("hours") or 0),
            )
        except ValueError:
            error = _("摸排时限应在 1 到 72 小时之间。")
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("已启动应急状态,值守人员和网格员已收到通知。"))
            return redirect("emergency_detail", pk=emergency.pk)
    regions = (
        regions_for_user(request.user).filter(level__in=["street", "community"]).order_by("path")
    )
    context = {"regions": regions[:300], "templates": templates, "post": post, "error": error}
    return render(request, "emergency/start.html", context, status=400 if error else 200)


def _board_context(user, emergency: Emergency, request: HttpRequest) -> dict:
    tasks = tasks_for_user(user).filter(campaign_id=emergency.sweep_id)
    requests = selectors.requests_for_user(user).filter(emergency=emergency)
    total, rows = selectors.board(emergency, tasks, requests)
    unreached = selectors.unreached_tasks(emergency, tasks)
    calls = DutyCall.objects.filter(emergency=emergency).select_related("user", "region")
    return {
        "total": total,
        "rows": selectors.roll_up(rows, emergency.region),
        "micro_rows": rows,
        "unreached": Paginator(unreached, PAGE_SIZE).get_page(request.GET.get("page")),
        "requests": requests.order_by("status", "created_at")[:200],
        "calls": calls.order_by("confirmed_at", "role"),
        "confirmed": sum(1 for c in calls if c.confirmed_at),
    }


@login_required
def emergency_detail(request: HttpRequest, pk: int) -> HttpResponse:
    emergency = get_or_404(selectors.emergencies_for_user(request.user), pk)
    call = DutyCall.objects.filter(emergency=emergency, user=request.user).first()
    mine = HelpRequest.objects.filter(emergency=emergency, assignee=request.user)
    context = {
        "emergency": emergency,
        "call": call,
        "mine": mine.select_related("household__dwelling"),
        "kinds": HelpKind.choices,
        "can_end": emergency.active
        and selectors.switchable(request.user).filter(pk=emergency.pk).exists(),
    }
    if can(request.user, Action.HANDLE_CASES):
        context |= _board_context(request.user, emergency, request)
        context["board"] = True
    return render(request, "emergency/detail.html", context)


@login_required
@require_POST
def emergency_end(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.SWITCH_EMERGENCY)
    emergency = get_or_404(selectors.switchable(request.user), pk)
    try:
        services.emergency_end(
            actor=request.user, emergency=emergency, summary=request.POST.get("summary", "")
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已解除应急状态。所有记录都保留在平时的台账里。"))
    return redirect("emergency_detail", pk=emergency.pk)


@login_required
@require_POST
def duty_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    emergency = get_or_404(selectors.emergencies_for_user(request.user), pk)
    try:
        services.duty_confirm(user=request.user, emergency=emergency)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已确认到岗。"))
    return redirect("emergency_detail", pk=emergency.pk)


@login_required
def help_new(request: HttpRequest, task: int) -> HttpResponse:
    """A worker registers what a household of the sweep needs."""
    require(request.user, Action.HANDLE_CASES)
    sweep_task = get_or_404(tasks_for_user(request.user), task)
    emergency = Emergency.objects.filter(sweep_id=sweep_task.campaign_id).first()
    if emergency is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            services.help_request_create(
                actor=request.user,
                emergency=emergency,
                household=sweep_task.household,
                kind=request.POST.get("kind", ""),
                details=request.POST.get("details", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("求助已登记,等待分派。"))
            return redirect("emergency_detail", pk=emergency.pk)
    context = {
        "task": sweep_task,
        "emergency": emergency,
        "kinds": HelpKind.choices,
        "error": error,
        "post": request.POST,
    }
    return render(request, "emergency/help_new.html", context, status=400 if error else 200)


@login_required
@require_POST
def help_move(request: HttpRequest, pk: int) -> HttpResponse:
    help_request = get_or_404(selectors.requests_for_user(request.user), pk)
    move = request.POST.get("move", "")
    handles = can(request.user, Action.HANDLE_CASES)
    if move != "deliver" and not handles:
        raise Http404
    assignee = None
    if move == "assign":
        assignee = get_user_model().objects.filter(pk=request.POST.get("assignee") or 0).first()
    try:
        services.help_move(
            actor=request.user,
            request=help_request,
            move=move,
            assignee=assignee,
            note=request.POST.get("note", ""),
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("求助状态已更新。"))
    return redirect("emergency_detail", pk=help_request.emergency_id)
