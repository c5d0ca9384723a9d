"""Household visits and the visit rules for special populations (by tag tier)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class VisitTier(models.Model):
    """How often residents of a tier must be visited; high-risk also soon after a major change."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=30)
    interval_days = models.PositiveSmallIntegerField(_("至少每隔几天走访"))
    after_change_hours = models.PositiveSmallIntegerField(
        _("重大变化后几小时内走访"), null=True, blank=True
    )
    rank = models.PositiveSmallIntegerField(default=0)  # higher = more urgent

    class Meta:
        verbose_name = _("走访等级")
        verbose_name_plural = _("走访等级")
        ordering = ["-rank"]

    def __str__(self) -> str:
        return self.name


class VisitRule(models.Model):
    """A population tag (by its code) → the tier its residents are visited at (editable
    data; by code, so rules can exist before the tags are created)."""

    tag_code = models.SlugField(_("人群标签代码"), unique=True)
    tier = models.ForeignKey(VisitTier, on_delete=models.PROTECT, related_name="rules")

    class Meta:
        verbose_name = _("走访规则")
        verbose_name_plural = _("走访规则")

    def __str__(self) -> str:
        return f"{self.tag_code} → {self.tier}"


class VisitKind(models.TextChoices):
    HOME = "home", _("入户")
    PHONE = "phone", _("电话")
    WECHAT = "wechat", _("微信")
    PROXY = "proxy", _("代访(邻居或亲属)")


class Visit(models.Model):
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    micro_grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    kind = models.CharField(_("方式"), max_length=8, choices=VisitKind.choices)
    visited_at = models.DateTimeField(_("走访时间"))
    found = models.TextField(_("了解到的情况"), blank=True)
    # The structured check of a vulnerable resident: health, benefits, family, home safety, needs.
    wellbeing = models.JSONField(default=dict, blank=True)
    service = models.CharField(_("提供的服务"), max_length=200, blank=True)
    visitor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Sent by the phone with the visit: the same key twice (a retry after going offline) is
    # the same visit.
    idempotency_key = models.CharField(max_length=64, unique=True)
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访记录")
        verbose_name_plural = _("走访记录")
        ordering = ["-visited_at"]
        indexes = [
            models.Index(fields=["household", "visited_at"], name="visit_household_idx"),
            models.Index(
                fields=["region_path"],
                name="visit_region_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.household_id} {self.visited_at:%Y-%m-%d}"


def photo_path(instance: VisitPhoto, filename: str) -> str:
    return f"visits/{instance.visit_id}/{filename}"


class VisitPhoto(models.Model):
    """A photo taken on a visit (re-encoded on upload: no EXIF location or device data)."""

    visit = models.ForeignKey(Visit, on_delete=models.CASCADE, related_name="photos")
    image = models.ImageField(upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("走访照片")
        verbose_name_plural = _("走访照片")

    def __str__(self) -> str:
        return f"{self.visit_id}/{self.pk}"
