"""Interest group and venue pages: groups near me with explained recommendations, joining and
leaving, the organiser's requests; venues by day with their slots, booking for a group,
approval and cancellation."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.interest_groups import selectors, services
from weiwang.interest_groups.models import (
    Booking,
    BookingStatus,
    GroupKind,
    JoinMode,
    Membership,
    MembershipStatus,
)
from weiwang.regions.selectors import get_region_for_user, narrow_to_region, regions_for_user

PAGE_SIZE = 20


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    groups = selectors.groups_for_user(request.user).filter(active=True)
    groups = narrow_to_region(groups, request.GET.get("region"))
    if kind in GroupKind.values:
        groups = groups.filter(kind=kind)
    mine = Membership.objects.filter(user=request.user, status=MembershipStatus.MEMBER)
    context = {
        "page": Paginator(groups.order_by("name"), PAGE_SIZE).get_page(request.GET.get("page")),
        "kind": kind,
        "kinds": GroupKind.choices,
        "query": urlencode({"kind": kind, "region": request.GET.get("region", "")}),
        "mine": {m.group_id for m in mine},
        "recommended": selectors.recommendations(request.user),
        "can_run": can(request.user, Action.RUN_ACTIVITIES),
    }
    return render(request, "interest_groups/list.html", context)


def _ages(post) -> tuple[int | None, int | None]:
    values = []
    for name in ("min_age", "max_age"):
        text = post.get(name, "").strip()
        values.append(int(text) if text else None)
    return values[0], values[1]


@login_required
def group_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_ACTIVITIES)
    communities = regions_for_user(request.user).filter(level="community").order_by("path")
    post, error = request.POST, ""
    if request.method == "POST":
        try:
            community = get_region_for_user(request.user, post.get("community") or 0)
            organiser = get_user_model().objects.filter(username=post.get("organiser", "")).first()
            if organiser is None:
                raise ApplicationError(_("没有找到这个主理人账号,请填写其登录名。"))
            min_age, max_age = _ages(post)
            grids = regions_for_user(request.user).filter(pk__in=post.getlist("grids"))
            group = services.group_create(
                actor=request.user,
                community=community,
                name=post.get("name", ""),
                kind=post.get("kind", ""),
                organiser=organiser,
                description=post.get("description", ""),
                meets=post.get("meets", ""),
                min_age=min_age,
                max_age=max_age,
                join_mode=post.get("join_mode", JoinMode.OPEN),
                target_grids=grids,
            )
        except ValueError:
            error = _("年龄应是整数。")
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("社群已建立。"))
            return redirect("group_detail", pk=group.pk)
    context = {
        "communities": communities,
        "grids": regions_for_user(request.user).filter(level="grid").order_by("path")[:200],
        "kinds": GroupKind.choices,
        "modes": JoinMode.choices,
        "post": post,
        "error": error,
    }
    return render(request, "interest_groups/new.html", context, status=400 if error else 200)


@login_required
def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    from weiwang.volunteers.models import Activity

    group = get_or_404(selectors.groups_for_user(request.user), pk)
    mine = Membership.objects.filter(group=group, user=request.user).exclude(status="left").first()
    manages = selectors.managed_groups(request.user).filter(pk=group.pk).exists()
    context = {
        "group": group,
        "membership": mine,
        "manages": manages,
        "pending": group.memberships.filter(status=MembershipStatus.PENDING).select_related("user")
        if manages
        else [],
        "events": Activity.objects.filter(group=group, ends_at__gte=timezone.now()).order_by(
            "starts_at"
        )[:10],
        "bookings": group.bookings.filter(
            status__in=[BookingStatus.PENDING, BookingStatus.APPROVED],
            ends_at__gte=timezone.now(),
        ).select_related("venue")[:10],
    }
    return render(request, "interest_groups/detail.html", context)


@login_required
@require_POST
def group_join(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_or_404(selectors.groups_for_user(request.user), pk)
    try:
        membership = services.group_join(user=request.user, group=group)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        if membership.status == MembershipStatus.MEMBER:
            messages.success(request, _("已加入社群。"))
        else:
            messages.success(request, _("申请已发给主理人,同意后即成为成员。"))
    return redirect("group_detail", pk=group.pk)


@login_required
@require_POST
def group_leave(request: HttpRequest, pk: int) -> HttpResponse:
    group = get_or_404(selectors.groups_for_user(request.user), pk)
    try:
        services.group_leave(user=request.user, group=group)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已退出社群。"))
    return redirect("group_detail", pk=group.pk)


@login_required
@require_POST
def membership_decide(request: HttpRequest, pk: int) -> HttpResponse:
    managed = selectors.managed_groups(request.user)
    membership = get_or_404(Membership.objects.filter(group__in=managed), pk)
    try:
        services.membership_decide(
            actor=request.user, membership=membership, accept=request.POST.get("accept") == "1"
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    return redirect("group_detail", pk=membership.group_id)


@login_required
def venue_list(request: HttpRequest) -> HttpResponse:
    venues = selectors.venues_for_user(request.user).filter(active=True)
    pending = Booking.objects.filter(
        venue__in=selectors.managed_venues(request.user), status=BookingStatus.PENDING
    ).select_related("venue", "group")
    context = {"venues": venues, "pending": pending[:50]}
    return render(request, "interest_groups/venues.html", context)


def _day(request: HttpRequest) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        return timezone.localdate()


@login_required
def venue_detail(request: HttpRequest, pk: int) -> HttpResponse:
    venue = get_or_404(selectors.venues_for_user(request.user), pk)
    groups = selectors.managed_groups(request.user).filter(region_path=venue.region_path)
    post, error = request.POST, ""
    day = _day(request)
    if request.method == "POST":
        try:
            group = get_or_404(groups, post.get("group") or 0)
            starts_at = form_datetime(post.get("starts_at"))
            ends_at = form_datetime(post.get("ends_at"))
            if starts_at is None or ends_at is None:
                raise ApplicationError(_("请选择开始和结束时间。"))
            booking = services.booking_create(
                actor=request.user,
                venue=venue,
                group=group,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=post.get("purpose", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            if booking.status == BookingStatus.APPROVED:
                messages.success(request, _("预约成功。"))
            else:
                messages.success(request, _("已提交预约,社区审批后生效;时段已为您保留。"))
            return redirect(f"{request.path}?day={timezone.localdate(booking.starts_at)}")
    context = {
        "venue": venue,
        "day": day,
        "previous": day - dt.timedelta(days=1),
        "next": day + dt.timedelta(days=1),
        "slots": selectors.day_slots(venue, day),
        "groups": groups,
        "post": post,
        "error": error,
        "manages": selectors.managed_venues(request.user).filter(pk=venue.pk).exists(),
    }
    return render(request, "interest_groups/venue.html", context, status=400 if error else 200)


@login_required
@require_POST
def booking_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_ACTIVITIES)
    booking = get_or_404(
        Booking.objects.filter(venue__in=selectors.managed_venues(request.user)), pk
    )
    try:
        services.booking_decide(
            actor=request.user, booking=booking, approve=request.POST.get("approve") == "1"
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已处理预约。"))
    return redirect("venue_list")


@login_required
@require_POST
def booking_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    managed = selectors.managed_groups(request.user)
    venues = selectors.managed_venues(request.user)
    booking = get_or_404(
        Booking.objects.filter(group__in=managed) | Booking.objects.filter(venue__in=venues), pk
    )
    try:
        services.booking_cancel(actor=request.user, booking=booking)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("预约已取消,时段已释放。"))
    return redirect("venue_detail", pk=booking.venue_id)
