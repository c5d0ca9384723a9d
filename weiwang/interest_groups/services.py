"""Writes for interest groups and venues: creating a group, joining (openly or by request) and
leaving, and booking a venue's slots (held by unique slot rows, so two bookings of one slot
cannot both succeed), approved, rejected or cancelled."""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.core.errors import ApplicationError
from weiwang.interest_groups.models import (
    LIVE_BOOKINGS,
    Booking,
    BookingSlot,
    BookingStatus,
    GroupKind,
    InterestGroup,
    JoinMode,
    Membership,
    MembershipStatus,
    Venue,
)

MAX_BOOKING = dt.timedelta(hours=4)
BOOKING_AHEAD = dt.timedelta(days=60)


@transaction.atomic
def group_create(
    *,
    actor,
    community,
    name: str,
    kind: str,
    organiser,
    description: str = "",
    meets: str = "",
    min_age: int | None = None,
    max_age: int | None = None,
    join_mode: str = JoinMode.OPEN,
    target_grids=(),
) -> InterestGroup:
    if not name.strip():
        raise ApplicationError(_("请填写社群名称。"), code="name")
    if kind not in GroupKind.values or join_mode not in JoinMode.values:
        raise ApplicationError(_("请选择社群类型和加入方式。"), code="kind")
    if min_age is not None and max_age is not None and min_age > max_age:
        raise ApplicationError(_("最小年龄不能大于最大年龄。"), code="ages")
    grids = list(target_grids)
    if any(not g.path.startswith(community.path) for g in grids):
        raise ApplicationError(_("重点招募的网格应在本社区内。"), code="grids")
    group = InterestGroup.objects.create(
        name=name.strip()[:60],
        kind=kind,
        description=description.strip(),
        community=community,
        region_path=community.path,
        organiser=organiser,
        meets=meets.strip()[:200],
        min_age=min_age,
        max_age=max_age,
        join_mode=join_mode,
    )
    group.target_grids.set(grids)
    Membership.objects.create(group=group, user=organiser, status=MembershipStatus.MEMBER)
    return group


@transaction.atomic
def group_join(*, user, group: InterestGroup) -> Membership:
    """Open groups take the member at once; others wait for the organiser."""
    if not group.active:
        raise ApplicationError(_("这个社群已经停止活动。"), code="inactive")
    status = (
        MembershipStatus.MEMBER if group.join_mode == JoinMode.OPEN else MembershipStatus.PENDING
    )
    try:
        with transaction.atomic():
            return Membership.objects.create(group=group, user=user, status=status)
    except IntegrityError:
        raise ApplicationError(_("您已经是成员或已在申请中。"), code="already") from None


@transaction.atomic
def group_leave(*, user, group: InterestGroup) -> None:
    if group.organiser_id == user.pk:
        raise ApplicationError(_("主理人不能退出,请先请社区更换主理人。"), code="organiser")
    left = (
        Membership.objects.filter(group=group, user=user)
        .exclude(status=MembershipStatus.LEFT)
        .update(status=MembershipStatus.LEFT)
    )
    if not left:
        raise ApplicationError(_("您不是这个社群的成员。"), code="not_member")


@transaction.atomic
def membership_decide(*, actor, membership: Membership, accept: bool) -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    if membership.status != MembershipStatus.PENDING:
        raise ApplicationError(_("这个申请已经处理过了。"), code="decided")
    membership.status = MembershipStatus.MEMBER if accept else MembershipStatus.LEFT
    membership.save(update_fields=["status"])
    return membership


def slots_of(venue: Venue, starts_at: dt.datetime, ends_at: dt.datetime) -> list[dt.datetime]:
    """The venue's slot start times a booking from `starts_at` to `ends_at` covers; refuses
    times off the slot grid or outside opening hours."""
    step = dt.timedelta(minutes=venue.slot_minutes)
    local_start, local_end = timezone.localtime(starts_at), timezone.localtime(ends_at)
    opening = local_start.replace(
        hour=venue.opens_at.hour, minute=venue.opens_at.minute, second=0, microsecond=0
    )
    closing = local_start.replace(
        hour=venue.closes_at.hour, minute=venue.closes_at.minute, second=0, microsecond=0
    )
    if local_start < opening or local_end > closing or local_end <= local_start:
        raise ApplicationError(
            _("请在开放时间 %(a)s–%(b)s 内预约。")
            % {"a": venue.opens_at.strftime("%H:%M"), "b": venue.closes_at.strftime("%H:%M")},
            code="hours",
        )
    if (local_start - opening) % step or (local_end - local_start) % step:
        raise ApplicationError(
            _("请按 %(m)s 分钟一个时段预约。") % {"m": venue.slot_minutes}, code="grid"
        )
    count = (local_end - local_start) // step
    return [starts_at + n * step for n in range(count)]


@transaction.atomic
def booking_create(
    *,
    actor,
    venue: Venue,
    group: InterestGroup,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    purpose: str = "",
) -> Booking:
    """A group's booking of consecutive slots; approved at once where the venue needs no
    approval. A slot someone else holds refuses the whole booking."""
    if not venue.active:
        raise ApplicationError(_("这个场地暂停预约。"), code="inactive")
    now = timezone.now()
    if starts_at < now or starts_at > now + BOOKING_AHEAD:
        raise ApplicationError(_("只能预约今后 60 天内的时段。"), code="when")
    if ends_at - starts_at > MAX_BOOKING:
        raise ApplicationError(_("一次最多预约 4 小时。"), code="too_long")
    slots = slots_of(venue, starts_at, ends_at)
    status = BookingStatus.PENDING if venue.needs_approval else BookingStatus.APPROVED
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                venue=venue,
                group=group,
                booked_by=actor,
                starts_at=starts_at,
                ends_at=ends_at,
                purpose=purpose.strip()[:200],
                status=status,
            )
            BookingSlot.objects.bulk_create(
                BookingSlot(booking=booking, venue=venue, starts_at=slot) for slot in slots
            )
    except IntegrityError:
        raise ApplicationError(_("所选时段已被预约,请换一个时段。"), code="taken") from None
    return booking


@transaction.atomic
def booking_decide(*, actor, booking: Booking, approve: bool) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status != BookingStatus.PENDING:
        raise ApplicationError(_("这个预约已经处理过了。"), code="decided")
    booking.status = BookingStatus.APPROVED if approve else BookingStatus.REJECTED
    booking.decided_by = actor
    booking.save(update_fields=["status", "decided_by"])
    if not approve:
        booking.slots.all().delete()
    return booking


@transaction.atomic
def booking_cancel(*, actor, booking: Booking) -> Booking:
    booking = Booking.objects.select_for_update().get(pk=booking.pk)
    if booking.status not in LIVE_BOOKINGS:
        raise ApplicationError(_("这个预约已经不在了。"), code="not_live")
    if booking.ends_at < timezone.now():
        raise ApplicationError(_("已经过去的预约不能取消。"), code="past")
    booking.status = BookingStatus.CANCELLED
    booking.save(update_fields=["status"])
    booking.slots.all().delete()
    return booking
