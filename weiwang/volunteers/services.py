"""Writes for volunteering: publishing an activity with its shifts, signing up (a waitlist that
moves up when someone cancels), checking in and out, hours corrected with a reason, and points
as an append-only ledger with rewards redeemed against stock."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import grants_for
from weiwang.core.errors import ApplicationError
from weiwang.volunteers.models import (
    Activity,
    ActivityStatus,
    Audience,
    EntryKind,
    PointEntry,
    PointRule,
    Reward,
    Shift,
    Signup,
    SignupStatus,
)

EARLY_CHECK_IN = dt.timedelta(minutes=60)  # how long before a shift starts one may check in
LATE_CHECK_OUT = dt.timedelta(hours=6)  # after the activity ends, checking out still records
SERVICE_RULE = "service"


def _check_times(starts_at: dt.datetime, ends_at: dt.datetime) -> None:
    if ends_at <= starts_at:
        raise ApplicationError(_("结束时间应晚于开始时间。"), code="times")


@transaction.atomic
def activity_create(
    *,
    actor,
    community,
    title: str,
    place: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    shifts: Sequence[tuple[str, dt.datetime, dt.datetime, int]],
    description: str = "",
    audience: str = Audience.COMMUNITY,
    group=None,
) -> Activity:
    """An activity in a community (checked by the caller's access layer) with at least one
    shift; shifts lie within the activity's time."""
    if not title.strip() or not place.strip():
        raise ApplicationError(_("请填写活动名称和地点。"), code="title")
    _check_times(starts_at, ends_at)
    if audience not in Audience.values or (audience == Audience.GROUP) != (group is not None):
        raise ApplicationError(_("请选择谁可以报名。"), code="audience")
    if group is not None and group.region_path != community.path:
        raise ApplicationError(_("社群活动应在社群所在的社区。"), code="group")
    if not shifts:
        raise ApplicationError(_("至少要有一个岗位。"), code="shifts")
    activity = Activity.objects.create(
        title=title.strip()[:100],
        description=description.strip(),
        community=community,
        region_path=community.path,
        place=place.strip()[:200],
        starts_at=starts_at,
        ends_at=ends_at,
        audience=audience,
        group=group,
        created_by=actor,
    )
    for name, shift_start, shift_end, capacity in shifts:
        _check_times(shift_start, shift_end)
        if shift_start < starts_at or shift_end > ends_at:
            raise ApplicationError(_("岗位时间应在活动时间之内。"), code="shift_times")
        if not name.strip() or capacity < 1:
            raise ApplicationError(_("每个岗位要有名称和至少 1 个名额。"), code="shift")
        Shift.objects.create(
            activity=activity,
            name=name.strip()[:60],
            starts_at=shift_start,
            ends_at=shift_end,
            capacity=capacity,
        )
    return activity


def may_join(user, activity: Activity) -> bool:
    """Anyone signed in for an open activity; otherwise people with a role in (or above) its
    community: its residents, Party members and workers."""
    if not getattr(user, "is_authenticated", False):
        return False
    if activity.audience == Audience.ANYONE:
        return True
    if activity.audience == Audience.GROUP:
        return activity.group.memberships.filter(user=user, status="member").exists()
    path = activity.region_path
    return any(
        g.region_path.startswith(path) or path.startswith(g.region_path) for g in grants_for(user)
    )


@transaction.atomic
def signup_create(*, volunteer, shift: Shift) -> Signup:
    """A place if one is left, otherwise a place on the waitlist."""
    shift = Shift.objects.select_for_update().select_related("activity").get(pk=shift.pk)
    activity = shift.activity
    if activity.status != ActivityStatus.OPEN or activity.ends_at <= timezone.now():
        raise ApplicationError(_("这个活动已经停止报名。"), code="closed")
    if not may_join(volunteer, activity):
        if activity.audience == Audience.GROUP:
            raise ApplicationError(_("这是社群活动,请先加入社群。"), code="audience")
        raise ApplicationError(_("这个活动只接受本社区居民报名。"), code="audience")
    taken = shift.signups.filter(status=SignupStatus.CONFIRMED).count()
    status = SignupStatus.CONFIRMED if taken < shift.capacity else SignupStatus.WAITLISTED
    try:
        with transaction.atomic():
            return Signup.objects.create(shift=shift, volunteer=volunteer, status=status)
    except IntegrityError:
        raise ApplicationError(_("您已经报名了这个岗位。"), code="already") from None


@transaction.atomic
def signup_cancel(*, actor, signup: Signup) -> Signup | None:
    """Cancel a place (or a waitlist place); the first on the waitlist moves up and is told.
    Returns the signup that moved up, if any."""
    shift = Shift.objects.select_for_update().get(pk=signup.shift_id)
    signup = Signup.objects.select_for_update().get(pk=signup.pk)
    if signup.status == SignupStatus.CANCELLED:
        raise ApplicationError(_("这个报名已经取消了。"), code="cancelled")
    if signup.checked_in_at:
        raise ApplicationError(_("已经签到,不能取消报名。"), code="checked_in")
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status = SignupStatus.CANCELLED
    signup.save(update_fields=["status"])
    if not was_confirmed:
        return None
    waiting = shift.signups.filter(status=SignupStatus.WAITLISTED).order_by("created_at", "pk")
    promoted = waiting.first()
    if promoted is not None:
        promoted.status = SignupStatus.CONFIRMED
        promoted.save(update_fields=["status"])
        transaction.on_commit(lambda: _tell_promoted(promoted, shift))
    return promoted


def _tell_promoted(signup: Signup, shift: Shift) -> None:
    from weiwang.notices.services import notify

    notify(
        users=[signup.volunteer],
        title=_("候补成功:%(activity)s · %(shift)s")
        % {"activity": shift.activity.title, "shift": shift.name},
        url=reverse("activity_detail", args=[shift.activity_id]),
    )


def _signup_for(volunteer, activity: Activity, now: dt.datetime) -> Signup:
    signups = list(
        Signup.objects.select_for_update()
        .filter(shift__activity=activity, volunteer=volunteer)
        .exclude(status=SignupStatus.CANCELLED)
        .select_related("shift")
        .order_by("shift__starts_at")
    )
    confirmed = [s for s in signups if s.status == SignupStatus.CONFIRMED]
    if not confirmed:
        if signups:
            raise ApplicationError(_("您还在候补名单上,不能签到。"), code="waitlisted")
        raise ApplicationError(_("您没有报名这个活动,请先报名。"), code="not_signed_up")
    # The shift under way, else the next one not yet done.
    for signup in confirmed:
        if signup.shift.starts_at - EARLY_CHECK_IN <= now <= signup.shift.ends_at:
            return signup
    return next((s for s in confirmed if s.checked_out_at is None), confirmed[-1])


@transaction.atomic
def check_in(*, volunteer, activity: Activity, by=None, at: dt.datetime | None = None) -> Signup:
    """By the volunteer scanning the activity's code, or by staff scanning the volunteer's."""
    now = at or timezone.now()
    if now > activity.ends_at:
        raise ApplicationError(_("活动已经结束,不能再签到。"), code="ended")
    signup = _signup_for(volunteer, activity, now)
    if signup.checked_in_at:
        raise ApplicationError(_("您已经签到过了。"), code="already_in")
    if now < signup.shift.starts_at - EARLY_CHECK_IN:
        raise ApplicationError(_("还没到签到时间,请在岗位开始前一小时内签到。"), code="too_early")
    signup.checked_in_at = now
    signup.save(update_fields=["checked_in_at"])
    return signup


@transaction.atomic
def check_out(*, volunteer, activity: Activity, by=None, at: dt.datetime | None = None) -> Signup:
    """Checking out records the hours (within the shift's time) and the points they earn."""
    now = at or timezone.now()
    signup = (
        Signup.objects.select_for_update()
        .filter(shift__activity=activity, volunteer=volunteer, status=SignupStatus.CONFIRMED)
        .exclude(checked_in_at=None)
        .filter(checked_out_at=None)
        .select_related("shift")
        .first()
    )
    if signup is None:
        if Signup.objects.filter(
            shift__activity=activity, volunteer=volunteer, checked_out_at__isnull=False
        ).exists():
            raise ApplicationError(_("您已经签退过了。"), code="already_out")
        raise ApplicationError(_("您还没有签到。"), code="not_in")
    if now > activity.ends_at + LATE_CHECK_OUT:
        raise ApplicationError(_("活动结束太久了,请联系社区工作人员补录时长。"), code="too_late")
    start = max(signup.checked_in_at, signup.shift.starts_at)
    end = min(now, signup.shift.ends_at)
    signup.checked_out_at = now
    signup.minutes = max(0, int((end - start).total_seconds() // 60))
    signup.save(update_fields=["checked_out_at", "minutes"])
    points = points_for(signup.minutes)
    if points:
        PointEntry.objects.create(
            volunteer=volunteer,
            points=points,
            kind=EntryKind.SERVICE,
            note=_("%(activity)s · %(shift)s")
            % {"activity": activity.title, "shift": signup.shift.name},
            signup=signup,
            created_by=by,
            created_at=now,
        )
    return signup


def points_for(minutes: int) -> Decimal:
    """Points for a stretch of service under the active rule: hours (capped per activity) at
    the hourly rate, and the bonus for taking part."""
    rule = PointRule.objects.filter(code=SERVICE_RULE, active=True).first()
    if rule is None:
        return Decimal(0)
    hours = min(Decimal(minutes) / 60, rule.max_hours_per_activity)
    earned = hours * rule.points_per_hour + (rule.bonus_per_activity if minutes > 0 else 0)
    return earned.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@transaction.atomic
def hours_correct(*, actor, signup: Signup, minutes: int, reason: str) -> Signup:
    """Staff correct recorded hours with a reason; the points change by a new ledger line."""
    reason = reason.strip()
    if not reason:
        raise ApplicationError(_("请写明更正原因。"), code="reason")
    if not 0 <= minutes <= 24 * 60:
        raise ApplicationError(_("时长应在 0 到 1440 分钟之间。"), code="minutes")
    signup = Signup.objects.select_for_update().select_related("shift__activity").get(pk=signup.pk)
    if signup.status != SignupStatus.CONFIRMED:
        raise ApplicationError(_("只能更正已报名人员的时长。"), code="status")
    before = points_for(signup.minutes) if signup.checked_out_at or signup.corrected_by_id else 0
    signup.minutes = minutes
    signup.corrected_by, signup.correction_reason = actor, reason[:200]
    signup.save(update_fields=["minutes", "corrected_by", "correction_reason"])
    delta = points_for(minutes) - before
    if delta:
        PointEntry.objects.create(
            volunteer=signup.volunteer,
            points=delta,
            kind=EntryKind.CORRECTION,
            note=_("时长更正:%(reason)s") % {"reason": reason[:150]},
            signup=signup,
            created_by=actor,
        )
    return signup


def balance(volunteer) -> Decimal:
    total = PointEntry.objects.filter(volunteer=volunteer).aggregate(s=Sum("points"))["s"]
    # SQLite sums decimals as floats: back to one decimal place.
    return Decimal(str(total or 0)).quantize(Decimal("0.1"))


@transaction.atomic
def reward_redeem(*, volunteer, reward: Reward) -> PointEntry:
    """Points for a reward while stock lasts; points are never transferred or paid out."""
    reward = Reward.objects.select_for_update().get(pk=reward.pk)
    if not reward.active or reward.stock < 1:
        raise ApplicationError(_("“%(name)s”已经兑完了。") % {"name": reward.name}, code="stock")
    # Lock the volunteer's lines so two redemptions at once cannot both spend the same points.
    list(PointEntry.objects.select_for_update().filter(volunteer=volunteer).values_list("pk"))
    have = balance(volunteer)
    if have < reward.points:
        raise ApplicationError(
            _("积分不够:需要 %(need)s,现有 %(have)s。") % {"need": reward.points, "have": have},
            code="balance",
        )
    reward.stock -= 1
    reward.save(update_fields=["stock"])
    return PointEntry.objects.create(
        volunteer=volunteer,
        points=-Decimal(reward.points),
        kind=EntryKind.REDEMPTION,
        note=_("兑换:%(name)s") % {"name": reward.name},
        reward=reward,
        created_by=volunteer,
    )


@transaction.atomic
def reward_create(*, actor, community, name: str, points: int, stock: int) -> Reward:
    if not name.strip() or points < 1:
        raise ApplicationError(_("请填写奖励名称和所需积分(至少 1 分)。"), code="reward")
    return Reward.objects.create(
        name=name.strip()[:60],
        community=community,
        region_path=community.path,
        points=points,
        stock=max(0, stock),
    )


@transaction.atomic
def rule_update(
    *, actor, rule: PointRule, points_per_hour: Decimal, max_hours: Decimal, bonus: Decimal
) -> PointRule:
    """Change how service earns points from now on (lines already written stay as they are)."""
    from weiwang.audit.services import audit_record

    if points_per_hour < 0 or bonus < 0 or not 0 < max_hours <= 24:
        raise ApplicationError(_("积分不能为负,每次最多计时应在 0 到 24 小时之间。"), code="rule")
    rule.points_per_hour, rule.max_hours_per_activity = points_per_hour, max_hours
    rule.bonus_per_activity = bonus
    rule.save(update_fields=["points_per_hour", "max_hours_per_activity", "bonus_per_activity"])
    audit_record(
        actor=actor,
        action="points.rules",
        target_type="point_rule",
        target_id=rule.pk,
        detail={"per_hour": str(points_per_hour), "max_hours": str(max_hours), "bonus": str(bonus)},
    )
    return rule
