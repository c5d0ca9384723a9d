"""Volunteer activities with shifts, sign-up with a waitlist, QR check-in and check-out, hours,
and points kept as an append-only ledger (rules and rewards as data)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from weiwang.core.errors import ApplicationError


class Audience(models.TextChoices):
    COMMUNITY = "community", _("本社区居民和工作人员")
    ANYONE = "anyone", _("所有注册用户")
    GROUP = "group", _("社群成员")


class ActivityStatus(models.TextChoices):
    OPEN = "open", _("招募中")
    CLOSED = "closed", _("停止报名")
    CANCELLED = "cancelled", _("已取消")


class Activity(models.Model):
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("招募说明"), blank=True)
    community = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("社区")
    )
    region_path = models.CharField(max_length=255, editable=False)
    place = models.CharField(_("地点"), max_length=200)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    audience = models.CharField(
        _("谁可以报名"), max_length=12, choices=Audience.choices, default=Audience.COMMUNITY
    )
    status = models.CharField(
        _("状态"), max_length=12, choices=ActivityStatus.choices, default=ActivityStatus.OPEN
    )
    # An interest group's event: sign-up, check-in and hours as for any activity.
    group = models.ForeignKey(
        "interest_groups.InterestGroup",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="events",
        verbose_name=_("社群"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("志愿活动")
        verbose_name_plural = _("志愿活动")
        ordering = ["-starts_at"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_ends_after_start"
            ),
        ]

    def __str__(self) -> str:
        return self.title


class Shift(models.Model):
    """A role or time slot of an activity with its own number of places."""

    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="shifts")
    name = models.CharField(_("岗位"), max_length=60)
    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    capacity = models.PositiveSmallIntegerField(_("名额"))

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["starts_at", "pk"]

    def __str__(self) -> str:
        return self.name


class SignupStatus(models.TextChoices):
    CONFIRMED = "confirmed", _("已报名")
    WAITLISTED = "waitlisted", _("候补")
    CANCELLED = "cancelled", _("已取消")


class Signup(models.Model):
    shift = models.ForeignKey(Shift, on_delete=models.CASCADE, related_name="signups")
    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="signups"
    )
    status = models.CharField(_("状态"), max_length=12, choices=SignupStatus.choices)
    created_at = models.DateTimeField(auto_now_add=True)
    checked_in_at = models.DateTimeField(_("签到时间"), null=True, blank=True)
    checked_out_at = models.DateTimeField(_("签退时间"), null=True, blank=True)
    minutes = models.PositiveIntegerField(_("服务时长(分钟)"), default=0)
    corrected_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    correction_reason = models.CharField(_("更正原因"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["shift", "volunteer"],
                condition=~Q(status="cancelled"),
                name="signup_once_per_shift",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.shift_id}/{self.volunteer_id}"


class PointRule(models.Model):
    """How service is rewarded: points per hour, capped per activity (editable data)."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=60)
    points_per_hour = models.DecimalField(_("每小时积分"), max_digits=5, decimal_places=1)
    max_hours_per_activity = models.DecimalField(
        _("每次活动最多计几小时"), max_digits=4, decimal_places=1
    )
    bonus_per_activity = models.DecimalField(
        _("每次参加另加积分"), max_digits=5, decimal_places=1, default=0
    )
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("积分规则")
        verbose_name_plural = _("积分规则")

    def __str__(self) -> str:
        return self.name


class Reward(models.Model):
    name = models.CharField(_("名称"), max_length=60)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    points = models.PositiveIntegerField(_("所需积分"))
    stock = models.PositiveIntegerField(_("库存"))
    active = models.BooleanField(_("可兑换"), default=True)

    class Meta:
        verbose_name = _("奖励")
        verbose_name_plural = _("奖励")
        ordering = ["points", "pk"]

    def __str__(self) -> str:
        return self.name


class EntryKind(models.TextChoices):
    SERVICE = "service", _("志愿服务")
    CORRECTION = "correction", _("时长更正")
    REDEMPTION = "redemption", _("兑换")


class LedgerQuerySet(models.QuerySet):
    def update(self, **kwargs):
        raise ApplicationError(_("积分流水只能追加,不能修改。"), code="ledger_append_only")

    def delete(self):
        raise ApplicationError(_("积分流水只能追加,不能删除。"), code="ledger_append_only")


class PointEntry(models.Model):
    """One line of a volunteer's points: never changed or deleted (a correction is a new line;
    PostgreSQL refuses UPDATE and DELETE on the table as well)."""

    volunteer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="point_entries"
    )
    points = models.DecimalField(_("积分"), max_digits=8, decimal_places=1)
    kind = models.CharField(_("类型"), max_length=12, choices=EntryKind.choices)
    note = models.CharField(_("说明"), max_length=200)
    signup = models.ForeignKey(
        Signup, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reward = models.ForeignKey(
        Reward, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    # When the points were earned: a check-out recorded by staff later keeps its own time.
    created_at = models.DateTimeField(default=timezone.now)

    objects = LedgerQuerySet.as_manager()

    class Meta:
        verbose_name = _("积分流水")
        verbose_name_plural = _("积分流水")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["volunteer", "created_at"], name="point_entry_user_idx")]

    def __str__(self) -> str:
        return f"{self.volunteer_id} {self.points}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ApplicationError(_("积分流水只能追加,不能修改。"), code="ledger_append_only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ApplicationError(_("积分流水只能追加,不能删除。"), code="ledger_append_only")
