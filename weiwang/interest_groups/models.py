"""Interest groups (社群) with their members, and the venues they book: bookings hold one row
per slot, and a unique index over (venue, slot) while a booking is live makes a double booking
impossible in the database itself."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class GroupKind(models.TextChoices):
    DANCE = "dance", _("舞蹈")
    TABLE_TENNIS = "table_tennis", _("乒乓球")
    FRISBEE = "frisbee", _("飞盘")
    BASKETBALL = "basketball", _("篮球")
    BADMINTON = "badminton", _("羽毛球")
    RUNNING = "running", _("跑步")
    TAI_CHI = "tai_chi", _("太极拳")
    READING = "reading", _("读书")
    OTHER = "other", _("其他")


class JoinMode(models.TextChoices):
    OPEN = "open", _("直接加入")
    REQUEST = "request", _("申请后由主理人同意")


class InterestGroup(models.Model):
    name = models.CharField(_("社群名称"), max_length=60)
    kind = models.CharField(_("类型"), max_length=16, choices=GroupKind.choices)
    description = models.TextField(_("介绍"), blank=True)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    region_path = models.CharField(max_length=255, editable=False)
    organiser = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("主理人"),
    )
    min_age = models.PositiveSmallIntegerField(_("最小年龄"), null=True, blank=True)
    max_age = models.PositiveSmallIntegerField(_("最大年龄"), null=True, blank=True)
    meets = models.CharField(_("活动时间地点"), max_length=200, blank=True)
    join_mode = models.CharField(
        _("加入方式"), max_length=8, choices=JoinMode.choices, default=JoinMode.OPEN
    )
    # Recruitment aimed at some grids (empty: the whole community).
    target_grids = models.ManyToManyField(
        "regions.Region", blank=True, related_name="+", verbose_name=_("重点招募网格")
    )
    active = models.BooleanField(_("活跃"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社群")
        verbose_name_plural = _("社群")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MembershipStatus(models.TextChoices):
    MEMBER = "member", _("成员")
    PENDING = "pending", _("待同意")
    LEFT = "left", _("已退出")


class Membership(models.Model):
    group = models.ForeignKey(InterestGroup, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships"
    )
    status = models.CharField(_("状态"), max_length=8, choices=MembershipStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("社群成员")
        verbose_name_plural = _("社群成员")
        constraints = [
            models.UniqueConstraint(
                fields=["group", "user"],
                condition=~Q(status="left"),
                name="membership_once_per_group",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.group_id}/{self.user_id}"


class Venue(models.Model):
    name = models.CharField(_("场地名称"), max_length=60)
    place = models.CharField(_("位置"), max_length=200)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    region_path = models.CharField(max_length=255, editable=False)
    opens_at = models.TimeField(_("开放时间"))
    closes_at = models.TimeField(_("关闭时间"))
    slot_minutes = models.PositiveSmallIntegerField(_("每个时段(分钟)"), default=60)
    needs_approval = models.BooleanField(_("预约需社区审批"), default=True)
    active = models.BooleanField(_("开放预约"), default=True)

    class Meta:
        verbose_name = _("场地")
        verbose_name_plural = _("场地")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BookingStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("未批准")
    CANCELLED = "cancelled", _("已取消")


LIVE_BOOKINGS = [BookingStatus.PENDING, BookingStatus.APPROVED]


class Booking(models.Model):
    venue = models.ForeignKey(Venue, on_delete=models.PROTECT, related_name="bookings")
    group = models.ForeignKey(
        InterestGroup, on_delete=models.PROTECT, related_name="bookings", verbose_name=_("社群")
    )
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    purpose = models.CharField(_("用途"), max_length=200, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=BookingStatus.choices)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("场地预约")
        verbose_name_plural = _("场地预约")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.starts_at:%Y-%m-%d %H:%M}"


class BookingSlot(models.Model):
    """One slot a live booking holds; deleted when the booking is cancelled or rejected."""

    booking = models.ForeignKey(Booking, on_delete=models.CASCADE, related_name="slots")
    venue = models.ForeignKey(Venue, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()

    class Meta:
        verbose_name = _("预约时段")
        verbose_name_plural = _("预约时段")
        constraints = [
            models.UniqueConstraint(fields=["venue", "starts_at"], name="venue_slot_booked_once"),
        ]

    def __str__(self) -> str:
        return f"{self.venue_id} {self.starts_at}"
