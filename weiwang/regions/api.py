from __future__ import annotations

from django.http import HttpRequest
from ninja import Router, Schema

from weiwang.regions.selectors import ancestors_of, children_of, get_region_for_user

router = Router(tags=["regions"])


class RegionBrief(Schema):
    id: int
    name: str
    level: str
    level_label: str
    household_count: int
    resident_count: int


class RegionOut(RegionBrief):
    code: str
    parent_id: int | None
    dwelling_count: int
    size_flag: str
    ancestors: list[dict]
    children: list[RegionBrief]


def _brief(region) -> dict:
    return {
        "id": region.id,
        "name": region.name,
        "level": region.level,
        "level_label": str(region.get_level_display()),
        "household_count": region.household_count,
        "resident_count": region.resident_count,
    }


@router.get("/{region_id}", response=RegionOut)
def region_detail(request: HttpRequest, region_id: int):
    """One region node with its counts and children (404 when out of scope)."""
    region = get_region_for_user(request.user, region_id)
    return {
        **_brief(region),
        "code": region.code,
        "parent_id": region.parent_id,
        "dwelling_count": region.dwelling_count,
        "size_flag": region.size_flag,
        "ancestors": [{"id": a.id, "name": a.name} for a in ancestors_of(region)],
        "children": [_brief(child) for child in children_of(region)],
    }
