"""Figures pre-aggregated per region and day, so a dashboard reads a handful of rows instead of
every row of a district."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

FIGURES = [
    "households",
    "residents",
    "micro_grids",
    "micro_grids_sized",
    "micro_grids_unstaffed",
    "cases_received",
    "cases_open",
    "cases_overdue",
    "cases_resolved",
    "cases_on_time",
    "rated_satisfied",
    "rated_basic",
    "rated_dissatisfied",
]


class RegionDaily(models.Model):
    region = models.ForeignKey("regions.Region", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    computed_at = models.DateTimeField()
    households = models.PositiveIntegerField(default=0)
    residents = models.PositiveIntegerField(default=0)
    micro_grids = models.PositiveIntegerField(default=0)
    micro_grids_sized = models.PositiveIntegerField(default=0)  # 30–100 households
    micro_grids_unstaffed = models.PositiveIntegerField(default=0)  # no micro-grid worker
    cases_received = models.PositiveIntegerField(default=0)
    cases_open = models.PositiveIntegerField(default=0)
    cases_overdue = models.PositiveIntegerField(default=0)
    cases_resolved = models.PositiveIntegerField(default=0)
    cases_on_time = models.PositiveIntegerField(default=0)  # resolved by their deadline
    rated_satisfied = models.PositiveIntegerField(default=0)
    rated_basic = models.PositiveIntegerField(default=0)
    rated_dissatisfied = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("区域每日指标")
        verbose_name_plural = _("区域每日指标")
        constraints = [
            models.UniqueConstraint(fields=["region", "day"], name="region_daily_once"),
        ]

    def __str__(self) -> str:
        return f"{self.region_id} {self.day}"

    @property
    def closure_rate(self) -> int | None:
        return (
            round(100 * self.cases_resolved / self.cases_received) if self.cases_received else None
        )

    @property
    def on_time_rate(self) -> int | None:
        return (
            round(100 * self.cases_on_time / self.cases_resolved) if self.cases_resolved else None
        )

    @property
    def satisfaction(self) -> int | None:
        rated = self.rated_satisfied + self.rated_basic + self.rated_dissatisfied
        return round(100 * (self.rated_satisfied + self.rated_basic) / rated) if rated else None
