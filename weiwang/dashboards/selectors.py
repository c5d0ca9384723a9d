"""Reading the pre-aggregated figures: a region's latest row and its children's rows of the same
day, the breakdowns with their labels, and what the charts and the map draw. A dashboard is two
indexed reads whatever the size of the region."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.utils.translation import gettext as _

from weiwang.cases.models import CaseCategory, CaseSource, Tier
from weiwang.dashboards.figures import WEEKS
from weiwang.dashboards.models import Boundary, Figures, RegionDaily
from weiwang.people.models import PopulationTag
from weiwang.regions.models import Region


# Figures a map can be coloured by and a ranking sorted by: name → label (built lazily so the
# labels follow the request's language).
def choropleth_figures() -> dict[str, str]:
    return {
        "residents": _("居民"),
        "households": _("户数"),
        "cases_received": _("受理事件"),
        "cases_open": _("在办事件"),
        "cases_overdue": _("逾期在办"),
        "closure_rate": _("办结率(%)"),
        "on_time_rate": _("按时办结率(%)"),
        "satisfaction": _("满意度(%)"),
        "visit_rate": _("走访按时率(%)"),
        "never_visited": _("从未走访"),
        "party_members": _("党员"),
        "shown_rate": _("亮身份率(%)"),
        "volunteer_hours": _("志愿服务时长(小时)"),
        "group_coverage": _("网格群覆盖率(%)"),
        "micro_grids_unstaffed": _("无微网格员的微网格"),
        "grids_without_party": _("无党组织的网格"),
        "party_dual": _("双报到党员"),
        "visits_overdue": _("现逾期未访"),
        "handling_hours": _("平均办理时长(小时)"),
        "topics": _("议题"),
        "turnout": _("投票参与率(%)"),
        "group_members": _("社群成员"),
        "reach": _("通知送达率(%)"),
    }


def figure_value(figures: Figures, name: str) -> float | None:
    value = getattr(figures, name) if hasattr(Figures, name) else figures[name]
    return value


@dataclass
class Child:
    region: Region
    figures: Figures | None
    has_boundary: bool = False


@dataclass
class Dashboard:
    region: Region
    day: dt.date | None
    computed_at: dt.datetime | None
    figures: Figures
    children: list[Child] = field(default_factory=list)

    def breakdown(self, prefix: str, labels: dict[str, str]) -> list[tuple[str, str, int]]:
        """(key, label, count) most first; keys without a label (a deleted category) kept."""
        rows = [(k, labels.get(k, k), v) for k, v in self.figures.of(prefix).items()]
        return sorted(rows, key=lambda r: -r[2])

    @cached_property
    def categories(self):
        names = {str(pk): name for pk, name in CaseCategory.objects.values_list("pk", "name")}
        return self.breakdown("case_category", names)

    @cached_property
    def tiers(self):
        return self.breakdown("case_tier", {k: str(v) for k, v in Tier.choices})

    @cached_property
    def sources(self):
        return self.breakdown("case_source", {k: str(v) for k, v in CaseSource.choices})

    @cached_property
    def tags(self):
        tags = PopulationTag.objects.filter(sensitive=False).values_list("code", "name")
        shown = dict(tags)
        return [row for row in self.breakdown("tag", shown) if row[0] in shown]

    @property
    def weeks(self) -> list[tuple[str, int]]:
        """Cases received per week (Mondays), oldest first, the weeks without any included."""
        counts = self.figures.of("case_week")
        if self.day is None:
            return []
        monday = self.day - dt.timedelta(days=self.day.weekday())
        weeks = [monday - dt.timedelta(weeks=n) for n in range(WEEKS - 1, -1, -1)]
        return [(w.isoformat(), counts.get(w.isoformat(), 0)) for w in weeks]


def dashboard_of(region: Region, *, with_drawn: bool = False) -> Dashboard:
    """The region's latest figures and its children's of the same day (`with_drawn`: which
    children have an outline, for the drawing page)."""
    latest = RegionDaily.objects.filter(region=region).order_by("-day").first()
    children = list(Region.objects.filter(parent=region).order_by("pk"))
    if latest is None:
        return Dashboard(region, None, None, Figures(), [Child(c, None) for c in children])
    rows = {
        r.region_id: r.values
        for r in RegionDaily.objects.filter(day=latest.day, region__in=children)
    }
    drawn = set()
    if with_drawn:
        drawn = set(
            Boundary.objects.filter(region__in=children).values_list("region_id", flat=True)
        )
    return Dashboard(
        region,
        latest.day,
        latest.computed_at,
        latest.values,
        [Child(c, rows.get(c.pk), c.pk in drawn) for c in children],
    )


def figures_on(region: Region, day: dt.date) -> Figures | None:
    """The region's figures as computed on `day` or the last day before it."""
    row = RegionDaily.objects.filter(region=region, day__lte=day).order_by("-day").first()
    return row.values if row else None


MAX_CASE_POINTS = 500


def map_data(dashboard: Dashboard, user) -> dict:
    """What the map draws: the region's outline, its children's outlines with their figures
    (for the colouring and the pop-ups) and where open cases are, within the user's scope."""
    from django.urls import reverse

    from weiwang.access import Action, can
    from weiwang.cases.models import OPEN_STATES
    from weiwang.cases.selectors import cases_for_user

    region = dashboard.region
    shapes = dict(
        Boundary.objects.filter(
            region__in=[region.pk] + [c.region.pk for c in dashboard.children]
        ).values_list("region_id", "geometry")
    )
    names = choropleth_figures()
    features = []
    for child in dashboard.children:
        if child.region.pk not in shapes:
            continue
        figures = child.figures or Figures()
        features.append(
            {
                "type": "Feature",
                "geometry": shapes[child.region.pk],
                "properties": {
                    "id": child.region.pk,
                    "name": child.region.name,
                    "url": child_url(child.region),
                    "figures": {name: figure_value(figures, name) for name in names},
                },
            }
        )
    cases = []
    if can(user, Action.VIEW_CASES):
        located = (
            cases_for_user(user)
            .filter(
                region_path__startswith=region.path,
                state__in=OPEN_STATES,
                latitude__isnull=False,
                longitude__isnull=False,
            )
            .order_by("-id")
            .values_list("pk", "number", "title", "latitude", "longitude", "overdue")
        )
        cases = [
            {
                "lat": float(lat),
                "lng": float(lng),
                "label": f"{number} {title}",
                "url": reverse("case_detail", args=[pk]),
                "overdue": overdue,
            }
            for pk, number, title, lat, lng, overdue in located[:MAX_CASE_POINTS]
        ]
    return {
        "outline": shapes.get(region.pk),
        "children": {"type": "FeatureCollection", "features": features},
        "cases": cases,
        "figures": names,
    }


def child_url(region: Region) -> str:
    from django.urls import reverse

    return reverse("dashboard", args=[region.pk])


def ranking_rows(dashboard: Dashboard) -> list[dict]:
    """Every child with the figures a ranking can sort by."""
    names = choropleth_figures()
    return [
        {
            "name": child.region.name,
            "url": child_url(child.region),
            "figures": {n: figure_value(child.figures, n) for n in names} if child.figures else {},
        }
        for child in dashboard.children
    ]
