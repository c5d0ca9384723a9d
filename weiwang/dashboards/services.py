"""Keeping the dashboard figures: the full aggregation (every region, from grouped queries,
rolled up by path) and the quick refresh of regions whose rows changed (recompute what they
contribute and add the difference to every region above)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.dashboards.figures import Counts, add, difference, own_figures
from weiwang.dashboards.models import Boundary, RegionDaily, StaleRegion
from weiwang.party.models import PartyOrganisation
from weiwang.regions.models import Region, RegionLevel, path_prefixes

# Figures that belong to a node itself rather than to its rows (sizes, staffing, Party).
NODE_FIGURES = {
    "micro_grids",
    "micro_grids_sized",
    "micro_grids_unstaffed",
    "grids",
    "grids_sized",
    "grids_without_party",
}
_LOCK = 48_151_623  # any fixed number: one aggregation or refresh at a time


def _lock() -> None:
    """Serialise writers of the figures (SQLite already does: transactions are IMMEDIATE)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_LOCK])


def _node_figures(region: Region, households: int, staffed: set[int], party: set[int]) -> Counts:
    if region.level == RegionLevel.MICRO_GRID:
        return {
            "micro_grids": 1,
            "micro_grids_sized": int(30 <= households <= 100),
            "micro_grids_unstaffed": int(region.pk not in staffed),
        }
    if region.level == RegionLevel.GRID:
        return {
            "grids": 1,
            "grids_sized": int(300 <= households <= 500),
            "grids_without_party": int(region.pk not in party),
        }
    return {}


def _staffed_and_party(region_ids=None) -> tuple[set[int], set[int]]:
    workers = RoleAssignment.objects.filter(role=Role.MICRO_GRID_WORKER)
    orgs = PartyOrganisation.objects.all()
    if region_ids is not None:
        workers, orgs = (
            workers.filter(region_id__in=region_ids),
            orgs.filter(region_id__in=region_ids),
        )
    return (
        set(workers.values_list("region_id", flat=True)),
        set(orgs.values_list("region_id", flat=True)),
    )


def _depth(path: str) -> int:
    return path.count("/")


@transaction.atomic
def aggregate_regions(day: dt.date | None = None, now: dt.datetime | None = None) -> int:
    """Recompute today's (or `day`'s) figures for every region; returns the rows written."""
    _lock()
    now = now or timezone.now()
    day = day or timezone.localdate(now)
    StaleRegion.objects.filter(marked_at__lte=now).delete()  # this run covers them
    regions = {r.path: r for r in Region.objects.only("pk", "path", "level")}
    own: dict[str, Counts] = defaultdict(dict)
    totals: dict[str, Counts] = defaultdict(dict)
    for path, figures in own_figures(None, now).items():
        if path not in regions:
            continue
        own[path] = figures
        for prefix in path_prefixes(path):
            add(totals[prefix], figures)
    staffed, party = _staffed_and_party()
    # Deepest first: a grid's size is the sum of its micro-grids' households.
    for path in sorted(regions, key=_depth, reverse=True):
        node = _node_figures(regions[path], totals[path].get("households", 0), staffed, party)
        add(own[path], node)
        for prefix in path_prefixes(path):
            add(totals[prefix], node)
    RegionDaily.objects.filter(day=day).delete()
    RegionDaily.objects.bulk_create(
        (
            RegionDaily(
                region_id=region.pk,
                day=day,
                computed_at=now,
                figures=totals.get(path, {}),
                own=own.get(path, {}),
            )
            for path, region in regions.items()
        ),
        batch_size=2000,
    )
    return len(regions)


def mark_stale(paths) -> None:
    """Rows under these region paths changed; the next refresh brings their figures up to date."""
    wanted = {p for p in paths if p}
    if wanted:
        # An upsert, not "ignore": it waits for a refresh that is deleting the same mark, so a
        # change committed while a refresh computes is marked again rather than lost.
        StaleRegion.objects.bulk_create(
            [StaleRegion(path=p, marked_at=timezone.now()) for p in sorted(wanted)],
            update_conflicts=True,
            unique_fields=["path"],
            update_fields=["marked_at"],
        )


@transaction.atomic
def refresh_stale(now: dt.datetime | None = None) -> int:
    """Bring the figures of regions marked stale up to date; returns the regions recomputed.
    Without today's rows yet, the full aggregation runs instead."""
    _lock()
    now = now or timezone.now()
    day = timezone.localdate(now)
    stale = list(StaleRegion.objects.values_list("path", flat=True))
    if not stale:
        return 0
    if not RegionDaily.objects.filter(day=day).exists():
        aggregate_regions(day=day, now=now)
        return len(stale)
    StaleRegion.objects.filter(path__in=stale).delete()
    affected = set(stale)
    for path in stale:  # a grid's size changes with its micro-grids
        affected.update(path_prefixes(path)[-2:])
    regions = {
        r.path: r for r in Region.objects.filter(path__in=affected).only("pk", "path", "level")
    }
    return _refresh(regions, day, now)


def _refresh(regions: dict[str, Region], day: dt.date, now: dt.datetime) -> int:
    fresh = own_figures(list(regions), now)
    staffed, party = _staffed_and_party([r.pk for r in regions.values()])
    above = {prefix for path in regions for prefix in path_prefixes(path)}
    rows = {
        row.region.path: row
        for row in RegionDaily.objects.select_for_update()
        .filter(day=day, region__path__in=above)
        .select_related("region")
    }
    for path in sorted(regions, key=_depth, reverse=True):
        row = rows.get(path)
        if row is None:  # a region created since the last full run: the next one adds it
            continue
        new = dict(fresh.get(path, {}))
        rows_only = {k: v for k, v in row.own.items() if k not in NODE_FIGURES}
        households = row.figures.get("households", 0) + difference(new, rows_only).get(
            "households", 0
        )
        add(new, _node_figures(regions[path], households, staffed, party))
        change = difference(new, row.own)
        row.own = new
        for prefix in path_prefixes(path):
            if prefix in rows:
                add(rows[prefix].figures, change)
    for row in rows.values():
        row.computed_at = now
    RegionDaily.objects.bulk_update(list(rows.values()), ["figures", "own", "computed_at"])
    return len(regions)


MAX_BOUNDARY_POINTS = 5000


def _clean_ring(ring) -> list[list[float]]:
    if not isinstance(ring, list) or len(ring) < 3:
        raise ApplicationError(_("边界至少需要三个点。"), code="boundary_points")
    points = []
    for point in ring:
        if (
            not isinstance(point, list | tuple)
            or len(point) < 2
            or not all(isinstance(x, int | float) and not isinstance(x, bool) for x in point[:2])
        ):
            raise ApplicationError(_("边界的坐标格式不对。"), code="boundary_format")
        lng, lat = float(point[0]), float(point[1])
        if not (-180 <= lng <= 180 and -90 <= lat <= 90):
            raise ApplicationError(_("边界的坐标超出了经纬度范围。"), code="boundary_range")
        points.append([round(lng, 7), round(lat, 7)])
    if points[0] != points[-1]:
        points.append(points[0])  # GeoJSON rings are closed
    if len(points) < 4:
        raise ApplicationError(_("边界至少需要三个点。"), code="boundary_points")
    return points


def clean_geometry(geometry) -> dict:
    """A GeoJSON Polygon or MultiPolygon, rings closed, coordinates checked and rounded."""
    if isinstance(geometry, dict) and geometry.get("type") == "Feature":
        geometry = geometry.get("geometry")
    if not isinstance(geometry, dict) or geometry.get("type") not in {"Polygon", "MultiPolygon"}:
        raise ApplicationError(_("请画一个多边形作为边界。"), code="boundary_type")
    coordinates = geometry.get("coordinates")
    polygons = [coordinates] if geometry["type"] == "Polygon" else coordinates
    if not isinstance(polygons, list) or not polygons:
        raise ApplicationError(_("边界的坐标格式不对。"), code="boundary_format")
    cleaned = []
    for polygon in polygons:
        if not isinstance(polygon, list) or not polygon:
            raise ApplicationError(_("边界的坐标格式不对。"), code="boundary_format")
        cleaned.append([_clean_ring(ring) for ring in polygon])
    if sum(len(ring) for polygon in cleaned for ring in polygon) > MAX_BOUNDARY_POINTS:
        raise ApplicationError(
            _("边界的点太多(最多 %(n)d 个),请简化后再保存。") % {"n": MAX_BOUNDARY_POINTS},
            code="boundary_points",
        )
    if geometry["type"] == "Polygon":
        return {"type": "Polygon", "coordinates": cleaned[0]}
    return {"type": "MultiPolygon", "coordinates": cleaned}


@transaction.atomic
def boundary_save(*, actor, region: Region, geometry) -> Boundary:
    """Draw or redraw a region's outline; `region` came through the access layer."""
    clean = clean_geometry(geometry)
    boundary, _created = Boundary.objects.update_or_create(
        region=region, defaults={"geometry": clean, "updated_by": actor}
    )
    audit_record(
        actor=actor,
        action="boundary.save",
        target_type="region",
        target_id=region.pk,
        detail={"type": clean["type"]},
    )
    return boundary


@transaction.atomic
def boundary_delete(*, actor, region: Region) -> None:
    Boundary.objects.filter(region=region).delete()
    audit_record(actor=actor, action="boundary.delete", target_type="region", target_id=region.pk)
