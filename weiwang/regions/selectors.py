"""Scoped reads of the region and address trees."""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import Length

from weiwang.access import Action, get_or_404, grants_for, scope_q
from weiwang.regions.models import Building, Dwelling, Estate, Region, RegionLevel, Unit


def regions_for_user(user, action: Action = Action.VIEW_REGIONS) -> QuerySet[Region]:
    return Region.objects.filter(scope_q(user, action, path="path", building="", household=""))


def get_region_for_user(user, pk: object, action: Action = Action.VIEW_REGIONS) -> Region:
    return get_or_404(regions_for_user(user, action), pk)


def narrow_to_region(queryset, region_id: object, path_field: str = "region_path"):
    """A list narrowed to the rows under one region (`?region=` on lists the dashboards link
    to). It only narrows a list already scoped to the user, so any region may be named."""
    if not str(region_id or "").isdigit():
        return queryset
    path = Region.objects.filter(pk=int(str(region_id))).values_list("path", flat=True).first()
    return queryset.filter(**{f"{path_field}__startswith": path}) if path else queryset.none()


def top_regions_for_user(user) -> list[Region]:
    """The highest region nodes the user may browse (their assigned nodes, without nesting)."""
    paths = sorted({g.region_path for g in grants_for(user)})
    tops = [p for p in paths if not any(p != q and p.startswith(q) for q in paths)]
    return list(regions_for_user(user).filter(path__in=tops))


def ancestors_of(region: Region) -> list[Region]:
    ids = region.ancestor_ids
    by_id = Region.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def visible_ancestor_ids(user, region: Region) -> set[int]:
    """Which of the region's ancestors the user may open (the others are named, not linked)."""
    visible = regions_for_user(user).filter(pk__in=region.ancestor_ids)
    return set(visible.values_list("pk", flat=True))


def children_of(region: Region) -> QuerySet[Region]:
    return region.children.order_by("code")


def dwellings_for_user(user) -> QuerySet[Dwelling]:
    return Dwelling.objects.filter(
        scope_q(
            user,
            Action.VIEW_RESIDENTS,
            path="region_path",
            building="unit__building_id",
            household="households__id",
        )
    )


def get_dwelling_for_user(user, pk: object) -> Dwelling:
    return get_or_404(
        dwellings_for_user(user).select_related("unit__building__estate", "micro_grid"), pk
    )


def buildings_in_region(user, region: Region) -> QuerySet[Building]:
    """Buildings with at least one dwelling of `region` that the user may see, with counts."""
    visible = dwellings_for_user(user).filter(region_path__startswith=region.path)
    return (
        Building.objects.filter(units__dwellings__in=visible)
        .select_related("estate")
        .annotate(dwellings_here=Count("units__dwellings", filter=Q(units__dwellings__in=visible)))
        .order_by("estate__name", "number")
    )


def get_building_for_user(user, pk: object) -> Building:
    visible = Building.objects.filter(units__dwellings__in=dwellings_for_user(user)).distinct()
    return get_or_404(visible.select_related("estate"), pk)


def units_in_building(user, building: Building) -> QuerySet[Unit]:
    visible = dwellings_for_user(user).filter(unit__building=building)
    return (
        Unit.objects.filter(building=building, dwellings__in=visible)
        .annotate(dwellings_here=Count("dwellings"))
        .order_by("number")
    )


def get_unit_for_user(user, pk: object) -> Unit:
    visible = Unit.objects.filter(dwellings__in=dwellings_for_user(user)).distinct()
    return get_or_404(visible.select_related("building__estate"), pk)


def dwellings_in_unit(user, unit: Unit) -> QuerySet[Dwelling]:
    return (
        dwellings_for_user(user)
        .filter(unit=unit)
        .annotate(resident_total=Count("households__members"))
        .order_by(Length("room"), "room")  # 101, 102, …, 1001 rather than 1001, 101
    )


def assigned_buildings_without_dwellings(
    region: Region, *, exclude: list[int]
) -> QuerySet[Building]:
    """Buildings staff put into this micro-grid that have no dwellings registered yet."""
    return (
        Building.objects.filter(micro_grid=region)
        .exclude(pk__in=exclude)
        .select_related("estate")
        .order_by("estate__name", "number")
    )


def estates_of(region: Region) -> QuerySet[Estate]:
    """The estates of the community a region belongs to (for choosing one in a form)."""
    community_id = ([*region.ancestor_ids, region.pk])[2]
    return Estate.objects.filter(community_id=community_id).order_by("name")


def micro_grids_to_move_into(user, community_id: int) -> QuerySet[Region]:
    """Micro-grids of the community where the user may edit residents."""
    community = Region.objects.get(pk=community_id)
    return Region.objects.filter(
        scope_q(user, Action.EDIT_RESIDENTS, path="path", building="", household=""),
        level=RegionLevel.MICRO_GRID,
        path__startswith=community.path,
    ).order_by("path")


def wholly_editable(user, dwellings: QuerySet[Dwelling]) -> bool:
    """Whether every one of these dwellings lies where the user may edit residents."""
    outside = dwellings.exclude(
        scope_q(
            user,
            Action.EDIT_RESIDENTS,
            path="region_path",
            building="unit__building_id",
            household="households__id",
        )
    )
    return not outside.exists()


def micro_grids_of(dwellings: QuerySet[Dwelling], also: int | None = None) -> list[Region]:
    """The micro-grids these dwellings are in (normally one), and `also` if given."""
    ids = set(dwellings.values_list("micro_grid", flat=True))
    if also:
        ids.add(also)
    return list(Region.objects.filter(pk__in=ids).order_by("path"))


def home_community(user) -> Region | None:
    """The community the user lives or works in (the first role's), for the monthly ranking."""
    from weiwang.regions.models import path_prefixes

    for grant in grants_for(user):
        parts = path_prefixes(grant.region_path)
        if len(parts) >= 3:
            return Region.objects.filter(path=parts[2]).first()
    return None
