"""Volunteer pages: activities and signing up (phone), QR check-in and check-out, my points,
rewards and certificate; for staff: publishing, the check-in code, scanning a volunteer's code,
correcting hours, rewards."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import segno
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.regions.selectors import (
    get_region_for_user,
    home_community,
    narrow_to_region,
    regions_for_user,
)
from weiwang.volunteers import selectors, services
from weiwang.volunteers.models import (
    Activity,
    ActivityStatus,
    Audience,
    PointEntry,
    Reward,
    Shift,
    Signup,
    SignupStatus,
)

PAGE_SIZE = 20
_ACTIVITY_CODE = signing.Signer(salt="weiwang.volunteers.checkin")
_PERSON_CODE = signing.TimestampSigner(salt="weiwang.volunteers.person")
PERSON_CODE_AGE = 24 * 3600  # a volunteer's own code is good for a day


def checkin_url(request: HttpRequest, activity: Activity) -> str:
    return request.build_absolute_uri(
        reverse("activity_checkin", args=[_ACTIVITY_CODE.sign(str(activity.pk))])
    )


def _qr(url: str, scale: int = 5) -> str:
    return segno.make(url, error="m").svg_inline(scale=scale)


@login_required
def activity_list(request: HttpRequest) -> HttpResponse:
    show = request.GET.get("show", "open")
    now = timezone.now()
    activities = narrow_to_region(
        selectors.activities_for_user(request.user), request.GET.get("region")
    )
    if show == "mine":
        activities = activities.filter(
            shifts__signups__volunteer=request.user,
            shifts__signups__status__in=["confirmed", "waitlisted"],
        ).distinct()
    elif show == "past":
        activities = activities.filter(ends_at__lt=now)
    else:
        activities = activities.filter(ends_at__gte=now, status=ActivityStatus.OPEN)
    activities = activities.order_by("starts_at" if show != "past" else "-starts_at")
    page = Paginator(activities, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "show": show,
        "query": urlencode({"show": show, "region": request.GET.get("region", "")}),
        "can_run": can(request.user, Action.RUN_ACTIVITIES),
        "can_rules": can(request.user, Action.MANAGE_POINT_RULES),
    }
    return render(request, "volunteers/list.html", context)


def _shift_rows(post) -> list[tuple[str, dt.datetime, dt.datetime, int]]:
    rows = []
    for n in range(1, 4):
        name = post.get(f"shift-{n}-name", "").strip()
        if not name:
            continue
        start = form_datetime(post.get(f"shift-{n}-start"))
        end = form_datetime(post.get(f"shift-{n}-end"))
        if start is None or end is None:
            raise ApplicationError(_("请填写岗位“%(name)s”的起止时间。") % {"name": name})
        try:
            capacity = int(post.get(f"shift-{n}-capacity") or 0)
        except ValueError:
            capacity = 0
        rows.append((name, start, end, capacity))
    return rows


def _event_group(request: HttpRequest):
    """The interest group an event is organised for (by its organiser or staff), if any."""
    from weiwang.interest_groups.selectors import managed_groups

    wanted = request.POST.get("group") or request.GET.get("group")
    if not wanted:
        return None
    return get_or_404(managed_groups(request.user).select_related("community"), wanted)


@login_required
def activity_new(request: HttpRequest) -> HttpResponse:
    group = _event_group(request)
    if group is None:
        require(request.user, Action.RUN_ACTIVITIES)
        communities = regions_for_user(request.user).filter(level="community").order_by("path")
    else:
        communities = [group.community]
    post = request.POST
    error = ""
    if request.method == "POST":
        try:
            starts_at = form_datetime(post.get("starts_at"))
            ends_at = form_datetime(post.get("ends_at"))
            if starts_at is None or ends_at is None:
                raise ApplicationError(_("请填写活动的开始和结束时间。"))
            shifts = _shift_rows(post) or [
                (_("志愿者"), starts_at, ends_at, int(post.get("capacity") or 0))
            ]
            community = group.community if group else None
            activity = services.activity_create(
                actor=request.user,
                community=community
                or get_region_for_user(request.user, post.get("community") or 0),
                title=post.get("title", ""),
                description=post.get("description", ""),
                place=post.get("place", ""),
                starts_at=starts_at,
                ends_at=ends_at,
                audience=Audience.GROUP if group else post.get("audience", Audience.COMMUNITY),
                shifts=shifts,
                group=group,
            )
        except ValueError:
            error = _("名额应是整数。")
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("活动已发布。"))
            return redirect("activity_detail", pk=activity.pk)
    context = {
        "group": group,
        "communities": communities,
        "audiences": [a for a in Audience.choices if a[0] != Audience.GROUP],
        "post": post,
        "error": error,
        "rows": range(1, 4),
    }
    return render(request, "volunteers/new.html", context, status=400 if error else 200)


def _visible(user):
    return selectors.activities_for_user(user) | selectors.managed_activities(user)


@login_required
def activity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_or_404(_visible(request.user).distinct(), pk)
    shifts = activity.shifts.annotate(
        taken=Count("signups", filter=Q(signups__status=SignupStatus.CONFIRMED)),
        waiting=Count("signups", filter=Q(signups__status=SignupStatus.WAITLISTED)),
    )
    mine = Signup.objects.filter(shift__activity=activity, volunteer=request.user).exclude(
        status=SignupStatus.CANCELLED
    )
    manages = selectors.managed_activities(request.user).filter(pk=activity.pk).exists()
    context = {
        "activity": activity,
        "shifts": shifts,
        "mine": mine.select_related("shift"),
        "mine_shift_ids": {s.shift_id for s in mine},
        "may_join": services.may_join(request.user, activity),
        "manages": manages,
        "open": activity.status == ActivityStatus.OPEN and activity.ends_at > timezone.now(),
    }
    if manages:
        url = checkin_url(request, activity)
        context |= {
            "checkin_url": url,
            "qr": _qr(url),
            "signups": Signup.objects.filter(shift__activity=activity)
            .exclude(status=SignupStatus.CANCELLED)
            .select_related("volunteer", "shift")
            .order_by("shift__starts_at", "status", "created_at"),
        }
    return render(request, "volunteers/detail.html", context)


@login_required
@require_POST
def shift_signup(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_or_404(Shift.objects.filter(activity__in=_visible(request.user)).distinct(), pk)
    try:
        signup = services.signup_create(volunteer=request.user, shift=shift)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        if signup.status == SignupStatus.CONFIRMED:
            messages.success(request, _("报名成功。"))
        else:
            messages.success(request, _("名额已满,您在候补名单上;有人取消时会自动递补并通知您。"))
    return redirect("activity_detail", pk=shift.activity_id)


@login_required
@require_POST
def signup_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    mine = Q(volunteer=request.user)
    managed = Q(shift__activity__in=selectors.managed_activities(request.user))
    signup = get_or_404(Signup.objects.filter(mine | managed), pk)
    try:
        services.signup_cancel(actor=request.user, signup=signup)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已取消报名。"))
    return redirect("activity_detail", pk=signup.shift.activity_id)


def _activity_from_code(token: str) -> Activity:
    try:
        return Activity.objects.get(pk=int(_ACTIVITY_CODE.unsign(token)))
    except (signing.BadSignature, ValueError, Activity.DoesNotExist):
        raise Http404 from None


@login_required
def activity_checkin(request: HttpRequest, token: str) -> HttpResponse:
    """What a volunteer's phone opens on scanning the activity's code: check in, then out."""
    activity = _activity_from_code(token)
    if request.method == "POST":
        move = services.check_out if request.POST.get("move") == "out" else services.check_in
        try:
            signup = move(volunteer=request.user, activity=activity)
        except ApplicationError as failure:
            messages.error(request, failure.message)
        else:
            if signup.checked_out_at:
                messages.success(
                    request,
                    _("已签退,服务 %(minutes)s 分钟,谢谢您!") % {"minutes": signup.minutes},
                )
            else:
                messages.success(request, _("签到成功。"))
        return redirect("activity_checkin", token=token)
    signup = (
        Signup.objects.filter(
            shift__activity=activity, volunteer=request.user, status=SignupStatus.CONFIRMED
        )
        .select_related("shift")
        .order_by("checked_out_at", "shift__starts_at")
        .first()
    )
    context = {"activity": activity, "signup": signup, "ended": activity.ends_at < timezone.now()}
    return render(request, "volunteers/checkin.html", context)


@login_required
def my_points(request: HttpRequest) -> HttpResponse:
    entries = PointEntry.objects.filter(volunteer=request.user).select_related("reward")
    minutes, served = selectors.hours_of(request.user)
    code = _PERSON_CODE.sign(str(request.user.pk))
    scan_url = request.build_absolute_uri(reverse("volunteer_scan", args=[code]))
    rewards = selectors.rewards_for_user(request.user).filter(stock__gt=0)
    home = home_community(request.user)
    context = {
        "balance": services.balance(request.user),
        "minutes": minutes,
        "hours": round(minutes / 60, 1),
        "served": served,
        "page": Paginator(entries, PAGE_SIZE).get_page(request.GET.get("page")),
        "qr": _qr(scan_url, scale=4),
        "rewards": rewards,
        "home": home,
        "ranking": selectors.monthly_ranking(home.path, timezone.localdate()) if home else [],
    }
    return render(request, "volunteers/me.html", context)


@login_required
def certificate(request: HttpRequest) -> HttpResponse:
    minutes, served = selectors.hours_of(request.user)
    signups = (
        Signup.objects.filter(volunteer=request.user, minutes__gt=0)
        .select_related("shift__activity")
        .order_by("shift__starts_at")
    )
    context = {
        "hours": round(minutes / 60, 1),
        "served": served,
        "signups": signups,
        "today": timezone.localdate(),
    }
    return render(request, "volunteers/certificate.html", context)


@login_required
@require_POST
def reward_redeem(request: HttpRequest, pk: int) -> HttpResponse:
    reward = get_or_404(selectors.rewards_for_user(request.user), pk)
    try:
        services.reward_redeem(volunteer=request.user, reward=reward)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已兑换“%(name)s”,请到社区领取。") % {"name": reward.name})
    return redirect("volunteer_me")


@login_required
def rewards(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_ACTIVITIES)
    communities = regions_for_user(request.user).filter(level="community").order_by("path")
    error = ""
    if request.method == "POST":
        try:
            services.reward_create(
                actor=request.user,
                community=get_region_for_user(request.user, request.POST.get("community") or 0),
                name=request.POST.get("name", ""),
                points=int(request.POST.get("points") or 0),
                stock=int(request.POST.get("stock") or 0),
            )
        except ValueError:
            error = _("积分和库存应是整数。")
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("奖励已添加。"))
            return redirect("volunteer_rewards")
    paths = [c.path for c in communities]
    context = {
        "rewards": Reward.objects.filter(region_path__in=paths).select_related("community"),
        "communities": communities,
        "error": error,
    }
    return render(request, "volunteers/rewards.html", context, status=400 if error else 200)


@login_required
def volunteer_scan(request: HttpRequest, token: str) -> HttpResponse:
    """Staff scan a volunteer's own code: check them in or out of one of their activities."""
    require(request.user, Action.RUN_ACTIVITIES)
    try:
        pk = int(_PERSON_CODE.unsign(token, max_age=PERSON_CODE_AGE))
    except (signing.BadSignature, ValueError):
        raise Http404 from None
    volunteer = get_or_404(get_user_model().objects.filter(is_active=True), pk)
    today = selectors.managed_activities(request.user).filter(
        shifts__signups__volunteer=volunteer,
        ends_at__gte=timezone.now() - services.LATE_CHECK_OUT,
        starts_at__lte=timezone.now() + dt.timedelta(hours=12),
    )
    if request.method == "POST":
        activity = get_or_404(today.distinct(), request.POST.get("activity") or 0)
        move = services.check_out if request.POST.get("move") == "out" else services.check_in
        try:
            move(volunteer=volunteer, activity=activity, by=request.user)
        except ApplicationError as failure:
            messages.error(request, failure.message)
        else:
            messages.success(request, _("已为 %(name)s 登记。") % {"name": volunteer})
        return redirect("volunteer_scan", token=token)
    context = {"volunteer": volunteer, "activities": today.distinct()}
    return render(request, "volunteers/scan.html", context)


@login_required
@require_POST
def hours_correct(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_ACTIVITIES)
    managed = selectors.managed_activities(request.user)
    signup = get_or_404(Signup.objects.filter(shift__activity__in=managed), pk)
    try:
        services.hours_correct(
            actor=request.user,
            signup=signup,
            minutes=int(request.POST.get("minutes") or -1),
            reason=request.POST.get("reason", ""),
        )
    except ValueError:
        messages.error(request, _("时长应是整数分钟。"))
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("时长已更正,积分随之调整。"))
    return redirect("activity_detail", pk=signup.shift.activity_id)


@login_required
def point_rules(request: HttpRequest) -> HttpResponse:
    """Admins keep how service earns points (the rule applies to lines written from now on)."""
    from decimal import Decimal, InvalidOperation

    from weiwang.volunteers.models import PointRule

    require(request.user, Action.MANAGE_POINT_RULES)
    rule, _created = PointRule.objects.get_or_create(
        code=services.SERVICE_RULE,
        defaults={
            "name": _("志愿服务时长"),
            "points_per_hour": Decimal("1.0"),
            "max_hours_per_activity": Decimal("2.0"),
        },
    )
    error = ""
    if request.method == "POST":
        try:
            services.rule_update(
                actor=request.user,
                rule=rule,
                points_per_hour=Decimal(request.POST.get("points_per_hour", "")),
                max_hours=Decimal(request.POST.get("max_hours", "")),
                bonus=Decimal(request.POST.get("bonus") or "0"),
            )
        except InvalidOperation:
            error = _("请填写数字。")
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("积分规则已保存。"))
            return redirect("point_rules")
    context = {"rule": rule, "error": error}
    return render(request, "volunteers/rules.html", context, status=400 if error else 200)
