"""A household in an emergency asks for help through its sweep link, and confirms what was
delivered."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited

from weiwang.core.errors import ApplicationError
from weiwang.emergency import services
from weiwang.emergency.models import Emergency, HelpKind, HelpRequest, HelpStatus
from weiwang.surveys.task_views import task_from_token


def public_help(request: HttpRequest, token: str) -> HttpResponse:
    task = task_from_token(token)
    emergency = Emergency.objects.filter(sweep_id=task.campaign_id, ended_at=None).first()
    if emergency is None:
        raise Http404
    mine = HelpRequest.objects.filter(emergency=emergency, household_id=task.household_id)
    error = notice = ""
    if request.method == "POST":
        if is_ratelimited(
            request,
            group="emergency-help",
            key="ip",
            rate=settings.SURVEY_PUBLIC_IP_RATE,
            method="POST",
            increment=True,
        ):
            error = _("同一网络提交太频繁,请稍后再试,或直接联系网格员。")
        else:
            error, notice = _public_act(request, emergency, task, mine)
        if not error:
            messages.success(request, notice)
            return redirect("emergency_public_help", token=token)
    context = {
        "task": task,
        "token": token,
        "emergency": emergency,
        "requests": mine.order_by("-created_at"),
        "kinds": HelpKind.choices,
        "error": error,
        "post": request.POST if error else {},
    }
    return render(request, "emergency/public_help.html", context, status=400 if error else 200)


def _public_act(request, emergency, task, mine) -> tuple[str, str]:
    """(error, notice) for the household's request for help, or its confirmation of delivery."""
    try:
        if request.POST.get("confirm"):
            delivered = mine.filter(pk=request.POST.get("confirm"), status=HelpStatus.DELIVERED)
            target = delivered.first()
            if target is None:
                return _("没有找到这条已送达的求助。"), ""
            services.help_move(actor=None, request=target, move="confirm")
            return "", _("谢谢,已确认收到。")
        services.help_request_create(
            actor=None,
            emergency=emergency,
            household=task.household,
            kind=request.POST.get("kind", ""),
            details=request.POST.get("details", ""),
        )
    except ApplicationError as failure:
        return failure.message, ""
    return "", _("求助已提交,网格员会尽快联系您。")
