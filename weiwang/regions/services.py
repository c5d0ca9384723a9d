"""Writes to the region and address trees."""

from __future__ import annotations

from collections import Counter

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from weiwang.core.errors import ApplicationError
from weiwang.regions.models import (
    CHILD_LEVEL,
    Building,
    Dwelling,
    Estate,
    Region,
    RegionLevel,
    Unit,
)


@transaction.atomic
def region_create(
    *, parent: Region | None, level: str, name: str, code: str, grid_kind: str = ""
) -> Region:
    expected = RegionLevel.DISTRICT if parent is None else CHILD_LEVEL[parent.level]
    if level != expected:
        raise ApplicationError(
            _("层级不正确:此处只能新建“%(level)s”。") % {"level": RegionLevel(expected).label},
            code="region_level",
        )
    # The path needs the new id, so the row is written twice inside one transaction.
    region = Region.objects.create(
        parent=parent, level=level, name=name, code=code, grid_kind=grid_kind, path=f"tmp:{code}"
    )
    region.path = f"{parent.path if parent else '/'}{region.pk}/"
    region.save(update_fields=["path"])
    return region


def region_counts_add(*, micro_grid_id: int, path: str, **deltas: int) -> None:
    """Keep the pre-aggregated counts of a micro-grid and all its ancestors in one UPDATE."""
    ids = [int(part) for part in path.strip("/").split("/")]
    assert ids[-1] == micro_grid_id
    Region.objects.filter(pk__in=ids).update(
        **{field: F(field) + delta for field, delta in deltas.items()}
    )


def format_address(estate: str, building: str, unit: str, room: str) -> str:
    """The searchable address of a dwelling: 红星小区3栋2单元501."""
    return f"{estate}{building}栋{unit}单元{room}"


@transaction.atomic
def dwelling_create(*, unit: Unit, room: str, micro_grid: Region) -> Dwelling:
    if micro_grid.level != RegionLevel.MICRO_GRID:
        raise ApplicationError(_("房屋只能划入微网格。"), code="dwelling_micro_grid")
    dwelling = Dwelling.objects.create(
        unit=unit,
        room=room,
        micro_grid=micro_grid,
        region_path=micro_grid.path,
        address=format_address(unit.building.estate.name, unit.building.number, unit.number, room),
    )
    region_counts_add(micro_grid_id=micro_grid.pk, path=micro_grid.path, dwelling_count=1)
    return dwelling


def estate_get_or_create(*, community: Region, name: str) -> Estate:
    return Estate.objects.get_or_create(community=community, name=name)[0]


def building_get_or_create(*, estate: Estate, number: str) -> Building:
    return Building.objects.get_or_create(estate=estate, number=number)[0]


def unit_get_or_create(*, building: Building, number: str) -> Unit:
    return Unit.objects.get_or_create(building=building, number=number)[0]


@transaction.atomic
def recount_regions() -> None:
    """Recompute every region's dwelling, household and resident counts in a few grouped queries."""
    from weiwang.people.models import Household, Resident

    per_micro_grid = {
        "dwelling_count": Counter(dict(_grouped(Dwelling))),
        "household_count": Counter(dict(_grouped(Household))),
        "resident_count": Counter(dict(_grouped(Resident, status="current"))),
    }
    regions = list(Region.objects.only("id", "parent_id", "level", "path"))
    totals = {r.pk: dict.fromkeys(per_micro_grid, 0) for r in regions}
    for region in regions:
        if region.level != RegionLevel.MICRO_GRID:
            continue
        for field, counter in per_micro_grid.items():
            for node_id in [*region.ancestor_ids, region.pk]:
                totals[node_id][field] += counter.get(region.pk, 0)
    for region in regions:
        for field, value in totals[region.pk].items():
            setattr(region, field, value)
    Region.objects.bulk_update(regions, list(per_micro_grid), batch_size=2000)


def _grouped(model, **filters: str) -> list[tuple[int, int]]:
    from django.db.models import Count

    return list(
        model.objects.filter(**filters)
        .values("micro_grid_id")
        .annotate(n=Count("id"))
        .values_list("micro_grid_id", "n")
    )


@transaction.atomic
def building_assign(*, actor, micro_grid: Region, estate_name: str, number: str) -> Building:
    """Put a building (new, or without a micro-grid yet) into a micro-grid, so that its
    dwellings can be registered or imported. The micro-grid came through the access layer."""
    from weiwang.audit.services import audit_record

    if micro_grid.level != RegionLevel.MICRO_GRID:
        raise ApplicationError(_("楼栋只能划入微网格。"), code="building_micro_grid")
    estate_name, number = estate_name.strip(), number.strip().removesuffix("栋")
    if not estate_name or not number:
        raise ApplicationError(_("请填写小区名称和楼栋号。"), code="building_fields")
    community = Region.objects.get(pk=micro_grid.ancestor_ids[2])
    estate = estate_get_or_create(community=community, name=estate_name)
    building = building_get_or_create(estate=estate, number=number)
    if building.micro_grid_id not in (None, micro_grid.pk):
        raise ApplicationError(
            _("%(building)s已划入“%(grid)s”。")
            % {"building": building, "grid": building.micro_grid},
            code="building_taken",
        )
    building.micro_grid = micro_grid
    building.save(update_fields=["micro_grid"])
    audit_record(
        actor=actor,
        action="building.assign",
        target_type="building",
        target_id=building.pk,
        detail={"micro_grid": micro_grid.pk},
    )
    return building


@transaction.atomic
def building_move(*, actor, building: Building, micro_grid: Region) -> int:
    """Move a building, with every dwelling, household and resident in it, into another
    micro-grid of the same community (re-gridding); later dwellings of the building go there
    too. The building and the micro-grid came through the access layer. Returns the dwellings
    moved."""
    building = Building.objects.select_for_update().select_related("estate").get(pk=building.pk)
    moved = _dwellings_move(
        actor=actor,
        dwellings=Dwelling.objects.filter(unit__building=building),
        community_id=building.estate.community_id,
        micro_grid=micro_grid,
        target=("building", building.pk),
    )
    building.micro_grid = micro_grid
    building.save(update_fields=["micro_grid"])
    return moved


@transaction.atomic
def unit_move(*, actor, unit: Unit, micro_grid: Region) -> int:
    """Move one unit of a building (its dwellings, households and residents) into another
    micro-grid of the same community. Returns the dwellings moved."""
    unit = Unit.objects.select_related("building__estate").get(pk=unit.pk)
    return _dwellings_move(
        actor=actor,
        dwellings=Dwelling.objects.filter(unit=unit),
        community_id=unit.building.estate.community_id,
        micro_grid=micro_grid,
        target=("unit", unit.pk),
    )


def _dwellings_move(
    *, actor, dwellings, community_id: int, micro_grid: Region, target: tuple[str, int]
) -> int:
    from django.db.models import Count

    from weiwang.audit.services import audit_record
    from weiwang.dashboards.services import mark_stale
    from weiwang.people.models import Household, Resident

    if micro_grid.level != RegionLevel.MICRO_GRID:
        raise ApplicationError(_("楼栋只能划入微网格。"), code="building_micro_grid")
    if micro_grid.ancestor_ids[2] != community_id:
        raise ApplicationError(_("只能划入本社区的微网格。"), code="building_other_community")
    ids = list(dwellings.exclude(micro_grid=micro_grid).values_list("pk", flat=True))
    households = Household.objects.filter(dwelling_id__in=ids)
    residents = Resident.objects.filter(household__dwelling_id__in=ids)
    moved: dict[int, Counter] = {}
    for field, rows in (
        ("dwelling_count", Dwelling.objects.filter(pk__in=ids)),
        ("household_count", households),
        ("resident_count", residents.filter(status="current")),
    ):
        for group in rows.values("micro_grid_id").annotate(n=Count("id")):
            moved.setdefault(group["micro_grid_id"], Counter())[field] += group["n"]
    place = {"micro_grid": micro_grid, "region_path": micro_grid.path}
    Dwelling.objects.filter(pk__in=ids).update(**place)
    households.update(**place)
    residents.update(**place)
    paths = dict(Region.objects.filter(pk__in=moved).values_list("pk", "path"))
    total: Counter = Counter()
    for old, deltas in moved.items():
        region_counts_add(micro_grid_id=old, path=paths[old], **{f: -n for f, n in deltas.items()})
        total.update(deltas)
    if total:
        region_counts_add(micro_grid_id=micro_grid.pk, path=micro_grid.path, **total)
    mark_stale([*paths.values(), micro_grid.path])  # bulk updates send no save signals
    kind, pk = target
    audit_record(
        actor=actor,
        action=f"{kind}.move",
        target_type=kind,
        target_id=pk,
        detail={"micro_grid": micro_grid.pk, "from": sorted(moved), "dwellings": len(ids)},
    )
    return len(ids)
