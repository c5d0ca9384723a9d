"""Emergency mode (平急转换): a community or street switched into emergency with a reason and
back with a summary; the people called up to duty; households' requests for help."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Emergency(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("区域")
    )
    region_path = models.CharField(max_length=255, editable=False)
    reason = models.CharField(_("启动原因"), max_length=300)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    started_at = models.DateTimeField(_("启动时间"))
    ended_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    ended_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    summary = models.TextField(_("工作总结"), blank=True)
    # The sweep of every household: an ordinary survey campaign, kept with the others.
    sweep = models.ForeignKey(
        "surveys.Campaign", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("应急状态")
        verbose_name_plural = _("应急状态")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["region"],
                condition=Q(ended_at__isnull=True),
                name="emergency_one_active_per_region",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.reason}"

    @property
    def active(self) -> bool:
        return self.ended_at is None


class DutyCall(models.Model):
    """One person called up to duty in an emergency, until they confirm they are on duty."""

    emergency = models.ForeignKey(Emergency, on_delete=models.CASCADE, related_name="calls")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    role = models.CharField(_("角色"), max_length=32)
    region = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    confirmed_at = models.DateTimeField(_("到岗确认时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("应急值守")
        verbose_name_plural = _("应急值守")
        constraints = [
            models.UniqueConstraint(fields=["emergency", "user"], name="duty_call_once_per_user"),
        ]

    def __str__(self) -> str:
        return f"{self.emergency_id}/{self.user_id}"


class HelpKind(models.TextChoices):
    MEDICINE = "medicine", _("药品")
    SUPPLIES = "supplies", _("生活物资")
    MEDICAL = "medical", _("就医")
    OTHER = "other", _("其他")


class HelpStatus(models.TextChoices):
    REQUESTED = "requested", _("待分派")
    ASSIGNED = "assigned", _("已分派")
    DELIVERED = "delivered", _("已送达")
    CONFIRMED = "confirmed", _("住户已确认")


OPEN_HELP = [HelpStatus.REQUESTED, HelpStatus.ASSIGNED]


class HelpRequest(models.Model):
    emergency = models.ForeignKey(Emergency, on_delete=models.PROTECT, related_name="requests")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    micro_grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255)
    kind = models.CharField(_("需要"), max_length=12, choices=HelpKind.choices)
    details = models.CharField(_("具体需要"), max_length=300)
    status = models.CharField(
        _("状态"), max_length=12, choices=HelpStatus.choices, default=HelpStatus.REQUESTED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("处理说明"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("求助时间"), auto_now_add=True)
    assigned_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("求助")
        verbose_name_plural = _("求助")
        ordering = ["created_at"]
        indexes = [models.Index(fields=["emergency", "status"], name="help_emergency_status_idx")]

    def __str__(self) -> str:
        return f"{self.household_id} {self.kind}"
