"""Writes for emergency mode: switching a region on (sweep campaign, duty calls, notices) and
off (summary), confirming duty, and households' help requests through their moves."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.emergency.models import DutyCall, Emergency, HelpKind, HelpRequest, HelpStatus
from weiwang.people.models import Household
from weiwang.regions.models import RegionLevel, path_prefixes
from weiwang.surveys.models import CampaignStatus, SurveyForm
from weiwang.surveys.services import campaign_create

# Who is called up, in the order a person holding several roles is listed by.
DUTY_ROLES = [
    Role.COMMUNITY_WORKER,
    Role.GRID_WORKER,
    Role.MICRO_GRID_WORKER,
    Role.BUILDING_HEAD,
    Role.PARTY_MEMBER,
]
MAX_SWEEP_HOURS = 72


def active_overlapping(path: str):
    """Active emergencies over this region, above it or inside it."""
    return Emergency.objects.filter(ended_at=None).filter(
        Q(region_path__in=path_prefixes(path)) | Q(region_path__startswith=path)
    )


@transaction.atomic
def emergency_start(
    *, actor, region, reason: str, template: SurveyForm, sweep_hours: int = 3
) -> Emergency:
    """Switch a community or street (checked by the caller's access layer) into emergency mode:
    a sweep of every household from the template, everyone on duty called up and told."""
    reason = reason.strip()
    if region.level not in (RegionLevel.COMMUNITY, RegionLevel.STREET):
        raise ApplicationError(_("只能对社区或街道启动应急状态。"), code="level")
    if not reason:
        raise ApplicationError(_("请填写启动原因。"), code="reason")
    if not 1 <= sweep_hours <= MAX_SWEEP_HOURS:
        raise ApplicationError(_("摸排时限应在 1 到 72 小时之间。"), code="sweep_hours")
    if active_overlapping(region.path).exists():
        raise ApplicationError(_("这个区域已经处于应急状态。"), code="already_active")
    now = timezone.now()
    sweep = campaign_create(
        actor=actor,
        form=template,
        region=region,
        title=_("应急摸排:%(reason)s") % {"reason": reason[:60]},
        deadline=now + dt.timedelta(hours=sweep_hours),
        allow_public=True,
    )
    try:
        with transaction.atomic():
            emergency = Emergency.objects.create(
                region=region,
                region_path=region.path,
                reason=reason[:300],
                started_by=actor,
                started_at=now,
                sweep=sweep,
            )
    except IntegrityError:  # switched on by someone else at the same moment
        raise ApplicationError(_("这个区域已经处于应急状态。"), code="already_active") from None
    _call_up(emergency)
    audit_record(
        actor=actor,
        action="emergency.start",
        target_type="region",
        target_id=region.pk,
        detail={"emergency": emergency.pk, "households": sweep.task_count},
    )
    transaction.on_commit(lambda: _tell_everyone(emergency, started=True))
    return emergency


def _call_up(emergency: Emergency) -> None:
    assignments = RoleAssignment.objects.filter(
        role__in=DUTY_ROLES, region__path__startswith=emergency.region_path
    ).order_by("user_id")
    chosen: dict[int, RoleAssignment] = {}
    for assignment in assignments:
        held = chosen.get(assignment.user_id)
        if held is None or DUTY_ROLES.index(assignment.role) < DUTY_ROLES.index(held.role):
            chosen[assignment.user_id] = assignment
    DutyCall.objects.bulk_create(
        DutyCall(emergency=emergency, user_id=a.user_id, role=a.role, region_id=a.region_id)
        for a in chosen.values()
    )


def _tell_everyone(emergency: Emergency, *, started: bool) -> None:
    """Everyone working or leading in the region, and every leader above it."""
    from django.contrib.auth import get_user_model

    from weiwang.notices.services import notify

    users = (
        RoleAssignment.objects.filter(region__path__startswith=emergency.region_path)
        .exclude(role=Role.RESIDENT)
        .values("user_id")
    )
    leaders = RoleAssignment.objects.filter(
        region__path__in=path_prefixes(emergency.region_path)[:-1],
        role__in=[Role.REGION_ADMIN, Role.COMMUNITY_WORKER],
    ).values("user_id")
    region = emergency.region.name
    title = (
        _("%(region)s 进入应急状态:%(reason)s") % {"region": region, "reason": emergency.reason}
        if started
        else _("%(region)s 已解除应急状态") % {"region": region}
    )
    notify(
        users=get_user_model().objects.filter(Q(pk__in=users) | Q(pk__in=leaders)),
        title=title,
        url=reverse("emergency_detail", args=[emergency.pk]),
    )


@transaction.atomic
def emergency_end(*, actor, emergency: Emergency, summary: str) -> Emergency:
    """Switch back to ordinary mode with a summary of what was done; the sweep, duty and help
    records stay as they are, in the ordinary records."""
    summary = summary.strip()
    emergency = Emergency.objects.select_for_update().get(pk=emergency.pk)
    if emergency.ended_at is not None:
        raise ApplicationError(_("应急状态已经解除了。"), code="already_ended")
    if not summary:
        raise ApplicationError(_("请填写工作总结再解除应急状态。"), code="summary")
    emergency.ended_at, emergency.ended_by, emergency.summary = timezone.now(), actor, summary
    emergency.save(update_fields=["ended_at", "ended_by", "summary"])
    if emergency.sweep_id:
        emergency.sweep.status = CampaignStatus.CLOSED
        emergency.sweep.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="emergency.end",
        target_type="region",
        target_id=emergency.region_id,
        detail={"emergency": emergency.pk},
    )
    transaction.on_commit(lambda: _tell_everyone(emergency, started=False))
    return emergency


@transaction.atomic
def duty_confirm(*, user, emergency: Emergency) -> DutyCall:
    call = DutyCall.objects.select_for_update().filter(emergency=emergency, user=user).first()
    if call is None:
        raise ApplicationError(_("您不在这次应急值守名单中。"), code="not_called")
    if emergency.ended_at is not None:
        raise ApplicationError(_("应急状态已经解除了。"), code="already_ended")
    if call.confirmed_at is None:
        call.confirmed_at = timezone.now()
        call.save(update_fields=["confirmed_at"])
    return call


@transaction.atomic
def help_request_create(
    *, actor, emergency: Emergency, household: Household, kind: str, details: str
) -> HelpRequest:
    """A household asks for help (itself through its link: actor None; or through a worker)."""
    if emergency.ended_at is not None:
        raise ApplicationError(_("应急状态已经解除,请按平时方式反映。"), code="already_ended")
    if not household.region_path.startswith(emergency.region_path):
        raise ApplicationError(_("这一户不在应急区域内。"), code="outside")
    if kind not in HelpKind.values:
        raise ApplicationError(_("请选择需要哪方面的帮助。"), code="kind")
    details = details.strip()
    if not details:
        raise ApplicationError(_("请写明需要什么,例如药名和数量。"), code="details")
    return HelpRequest.objects.create(
        emergency=emergency,
        household=household,
        micro_grid_id=household.micro_grid_id,
        region_path=household.region_path,
        kind=kind,
        details=details[:300],
        requested_by=actor,
    )


# The moves of a help request: name → (states it may start from, state it ends in).
HELP_MOVES: dict[str, tuple[set[str], str]] = {
    "assign": ({HelpStatus.REQUESTED, HelpStatus.ASSIGNED}, HelpStatus.ASSIGNED),
    "deliver": ({HelpStatus.ASSIGNED}, HelpStatus.DELIVERED),
    "confirm": ({HelpStatus.DELIVERED}, HelpStatus.CONFIRMED),
}
_STAMP = {"assign": "assigned_at", "deliver": "delivered_at", "confirm": "confirmed_at"}


@transaction.atomic
def help_move(
    *, actor, request: HelpRequest, move: str, assignee=None, note: str = ""
) -> HelpRequest:
    """Assign a request to someone on duty, mark it delivered, or confirm it was received."""
    if move not in HELP_MOVES:
        raise ApplicationError(_("没有这个操作。"), code="move")
    request = HelpRequest.objects.select_for_update().get(pk=request.pk)
    sources, target = HELP_MOVES[move]
    if request.status not in sources:
        raise ApplicationError(
            _("这条求助现在是“%(state)s”,不能这样操作。") % {"state": request.get_status_display()},
            code="state",
        )
    fields = ["status", _STAMP[move]]
    if move == "assign":
        on_duty = DutyCall.objects.filter(emergency_id=request.emergency_id, user=assignee)
        if assignee is None or not on_duty.exists():
            raise ApplicationError(_("请选择一位在值守名单中的人。"), code="assignee")
        request.assignee = assignee
        fields.append("assignee")
    if note.strip():
        request.note = note.strip()[:300]
        fields.append("note")
    request.status = target
    setattr(request, _STAMP[move], timezone.now())
    request.save(update_fields=fields)
    if move == "assign":
        transaction.on_commit(lambda: _tell_assignee(request))
    return request


def _tell_assignee(request: HelpRequest) -> None:
    from weiwang.notices.services import notify

    notify(
        users=[request.assignee],
        title=_("请送达:%(kind)s · %(details)s")
        % {"kind": request.get_kind_display(), "details": request.details[:60]},
        url=reverse("emergency_detail", args=[request.emergency_id]),
    )
