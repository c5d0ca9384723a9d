"""The aggregation job: figures per micro-grid from grouped queries (one per table), rolled up
to every region above by path, written as one row per region for the day."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.cases.models import OPEN_STATES, Case
from weiwang.dashboards.models import FIGURES, RegionDaily
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Region, RegionLevel, path_prefixes

RESOLVED = ["resolved", "awaiting_rating", "archived"]


def _per_micro_grid(now: dt.datetime) -> dict[int, dict[str, int]]:
    figures: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for micro, n in (
        Household.objects.values("micro_grid")
        .annotate(n=Count("pk"))
        .values_list("micro_grid", "n")
    ):
        figures[micro]["households"] = n
    current = Resident.objects.filter(status="current").values("micro_grid")
    for micro, n in current.annotate(n=Count("pk")).values_list("micro_grid", "n"):
        figures[micro]["residents"] = n
    resolved = Q(state__in=RESOLVED)
    cases = Case.objects.values("micro_grid").annotate(
        received=Count("pk"),
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=now)),
        resolved=Count("pk", filter=resolved),
        on_time=Count("pk", filter=resolved & Q(resolved_at__lte=F("deadline"))),
        satisfied=Count("pk", filter=Q(rating="satisfied")),
        basic=Count("pk", filter=Q(rating="basic")),
        dissatisfied=Count("pk", filter=Q(rating="dissatisfied")),
    )
    for row in cases:
        target = figures[row["micro_grid"]]
        target["cases_received"], target["cases_open"] = row["received"], row["open"]
        target["cases_overdue"], target["cases_resolved"] = row["overdue"], row["resolved"]
        target["cases_on_time"], target["rated_satisfied"] = row["on_time"], row["satisfied"]
        target["rated_basic"], target["rated_dissatisfied"] = row["basic"], row["dissatisfied"]
    staffed = set(
        RoleAssignment.objects.filter(role=Role.MICRO_GRID_WORKER).values_list(
            "region_id", flat=True
        )
    )
    for micro in Region.objects.filter(level=RegionLevel.MICRO_GRID).values_list("pk", flat=True):
        target = figures[micro]
        target["micro_grids"] = 1
        target["micro_grids_sized"] = int(30 <= target["households"] <= 100)
        target["micro_grids_unstaffed"] = int(micro not in staffed)
    return figures


@transaction.atomic
def aggregate_regions(day: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Recompute today's (or `day`'s) figures for every region; returns the rows written."""
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    per_micro = _per_micro_grid(now)
    paths = dict(Region.objects.values_list("pk", "path"))
    by_path = {path: pk for pk, path in paths.items()}
    totals: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(FIGURES, 0))
    for micro, figures in per_micro.items():
        path = paths.get(micro)
        if path is None:
            continue
        for prefix in path_prefixes(path):
            region = by_path.get(prefix)
            if region is None:
                continue
            target = totals[region]
            for name, value in figures.items():
                target[name] += value
    RegionDaily.objects.filter(day=day).delete()
    RegionDaily.objects.bulk_create(
        (
            RegionDaily(region_id=region, day=day, computed_at=now, **totals.get(region, {}))
            for region in paths
        ),
        batch_size=5000,
    )
    return len(paths)
