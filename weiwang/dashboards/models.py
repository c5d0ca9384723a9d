"""Figures pre-aggregated per region and day, so a dashboard reads a handful of rows instead of
every row of a district; regions waiting to be brought up to date; archived reports."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Figures(dict):
    """A region's figures (name → integer, missing means 0) with the rates derived from them;
    templates read both as `figures.households` and `figures.closure_rate`."""

    def __missing__(self, key: str) -> int:
        if hasattr(type(self), key):  # a rate: templates then read the property
            raise KeyError(key)
        return 0

    def of(self, prefix: str) -> dict[str, int]:
        """A breakdown: {"3": 12, …} from "case_category.3" and its siblings."""
        start = prefix + "."
        return {k[len(start) :]: v for k, v in self.items() if k.startswith(start)}

    @staticmethod
    def _rate(part: int, whole: int) -> int | None:
        return round(100 * part / whole) if whole else None

    @property
    def closure_rate(self) -> int | None:
        return self._rate(self["cases_resolved"], self["cases_received"])

    @property
    def on_time_rate(self) -> int | None:
        return self._rate(self["cases_on_time"], self["cases_resolved"])

    @property
    def satisfaction(self) -> int | None:
        rated = self["rated_satisfied"] + self["rated_basic"] + self["rated_dissatisfied"]
        return self._rate(self["rated_satisfied"] + self["rated_basic"], rated)

    @property
    def handling_hours(self) -> float | None:
        resolved = self["cases_resolved"]
        return round(self["cases_handling_minutes"] / 60 / resolved, 1) if resolved else None

    @property
    def shown_rate(self) -> int | None:
        return self._rate(self["party_shown"], self["party_members"])

    @property
    def needs_rating(self) -> float | None:
        rated = self["needs_rated"]
        return round(self["needs_rating_sum"] / rated, 1) if rated else None

    @property
    def visit_rate(self) -> int | None:
        return self._rate(self["visits_on_time"], self["visits_required"])

    @property
    def turnout(self) -> int | None:
        return self._rate(self["roll_voted"], self["roll_entries"])

    @property
    def volunteer_hours(self) -> int:
        return round(self["volunteer_minutes"] / 60)

    @property
    def reach(self) -> int | None:
        return self._rate(self["deliveries_sent"], self["deliveries"])

    @property
    def group_coverage(self) -> int | None:
        return self._rate(self["residents_in_groups"], self["residents"])

    @property
    def micro_grids_sized_rate(self) -> int | None:
        return self._rate(self["micro_grids_sized"], self["micro_grids"])

    @property
    def grids_sized_rate(self) -> int | None:
        return self._rate(self["grids_sized"], self["grids"])


class RegionDaily(models.Model):
    """One region's figures on one day: `figures` for its whole subtree, `own` for what its
    own rows and its own node contribute (kept so one region can be brought up to date by
    adding the difference to every region above it)."""

    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    computed_at = models.DateTimeField()
    figures = models.JSONField(default=dict)
    own = models.JSONField(default=dict)

    class Meta:
        verbose_name = _("区域每日指标")
        verbose_name_plural = _("区域每日指标")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="region_daily_once"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}"

    @property
    def values(self) -> Figures:
        return Figures(self.figures)


class StaleRegion(models.Model):
    """A region whose rows changed since its figures were computed; the next refresh (within
    a minute) recomputes what it contributes."""

    path = models.CharField(max_length=255, unique=True)
    marked_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.path


class ReportPeriod(models.TextChoices):
    WEEK = "week", _("周报")
    MONTH = "month", _("月报")


class ReportStatus(models.TextChoices):
    PENDING = "pending", _("生成中")
    READY = "ready", _("已生成")
    FAILED = "failed", _("生成失败")


def report_path(instance: Report, filename: str) -> str:
    return f"reports/{instance.region_id}/{filename}"


class Report(models.Model):
    region = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="+", verbose_name=_("区域")
    )
    period = models.CharField(_("类型"), max_length=8, choices=ReportPeriod.choices)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    status = models.CharField(
        _("状态"), max_length=8, choices=ReportStatus.choices, default=ReportStatus.PENDING
    )
    pdf = models.FileField(upload_to=report_path, blank=True)
    xlsx = models.FileField(upload_to=report_path, blank=True)
    error = models.CharField(max_length=300, blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("报告")
        verbose_name_plural = _("报告")
        ordering = ["-ends_on", "period", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["region", "period", "starts_on"], name="report_once_per_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.period} {self.starts_on}"


class Boundary(models.Model):
    """A region's outline on the map: a GeoJSON Polygon or MultiPolygon in WGS-84
    (longitude, latitude), drawn and edited by staff."""

    region = models.OneToOneField(
        "regions.Region", on_delete=models.CASCADE, related_name="boundary", primary_key=True
    )
    geometry = models.JSONField()
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("区域边界")
        verbose_name_plural = _("区域边界")

    def __str__(self) -> str:
        return str(self.region_id)
