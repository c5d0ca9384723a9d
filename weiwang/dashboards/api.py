"""Dashboards in the JSON API: a region's pre-aggregated figures with those of the regions
below it (for a big screen or another system), and drawing a boundary from GeoJSON."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema

from weiwang.access import Action, require
from weiwang.dashboards import selectors, services
from weiwang.dashboards.models import Figures
from weiwang.regions.selectors import get_region_for_user

router = Router(tags=["dashboards"])


class ChildOut(Schema):
    region_id: int
    name: str
    level: str
    figures: dict[str, int]
    rates: dict[str, float | None]


class DashboardOut(Schema):
    region_id: int
    name: str
    level: str
    day: dt.date | None
    computed_at: dt.datetime | None
    figures: dict[str, int]
    rates: dict[str, float | None]
    children: list[ChildOut]


class BoundaryIn(Schema):
    geometry: dict


RATES = [
    "closure_rate",
    "on_time_rate",
    "satisfaction",
    "handling_hours",
    "shown_rate",
    "needs_rating",
    "visit_rate",
    "turnout",
    "reach",
    "group_coverage",
    "grids_sized_rate",
    "micro_grids_sized_rate",
]


def _rates(figures: Figures) -> dict[str, float | None]:
    return {name: getattr(figures, name) for name in RATES}


@router.get("/{region_id}", response=DashboardOut)
def dashboard(request: HttpRequest, region_id: int):
    """Figures (counts, and breakdowns named "<kind>.<key>") and derived rates of the region
    and of each region below it, as last computed."""
    require(request.user, Action.VIEW_REGIONS)
    region = get_region_for_user(request.user, region_id)
    board = selectors.dashboard_of(region)
    return {
        "region_id": region.pk,
        "name": region.name,
        "level": region.level,
        "day": board.day,
        "computed_at": board.computed_at,
        "figures": dict(board.figures),
        "rates": _rates(board.figures),
        "children": [
            {
                "region_id": child.region.pk,
                "name": child.region.name,
                "level": child.region.level,
                "figures": dict(child.figures or {}),
                "rates": _rates(child.figures or Figures()),
            }
            for child in board.children
        ],
    }


@router.post("/{region_id}/boundary", response=dict)
def boundary(request: HttpRequest, region_id: int, payload: BoundaryIn):
    """Draw or replace the region's outline (a GeoJSON Polygon or MultiPolygon)."""
    require(request.user, Action.MANAGE_DASHBOARDS)
    region = get_region_for_user(request.user, region_id, action=Action.MANAGE_DASHBOARDS)
    saved = services.boundary_save(actor=request.user, region=region, geometry=payload.geometry)
    return {"region_id": region.pk, "geometry": saved.geometry}
