"""Reads for notices and the grid groups, scoped: the notices a person may open, the groups a
worker keeps, and how many residents the groups reach."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q

from weiwang.access import Action, grants_for, scope_q
from weiwang.accounts.models import Role
from weiwang.notices.models import GridGroup, Notice
from weiwang.people.models import Resident
from weiwang.regions.models import Region


def notices_for_user(user):
    """Notices delivered to the user, written by them, or over a region they publish for."""
    staff = Q(pk__in=[])
    for grant in grants_for(user):
        if grant.role in (Role.REGION_ADMIN, Role.COMMUNITY_WORKER, Role.GRID_WORKER):
            staff |= Q(regions__path__startswith=grant.region_path)
    mine = Q(inbox__user=user) | Q(created_by=user)
    return Notice.objects.filter(mine | staff).distinct()


def groups_for_user(user):
    where = scope_q(user, Action.PUBLISH_NOTICES, path="region_path", building="", household="")
    return GridGroup.objects.filter(where).select_related("region")


@dataclass
class GroupCoverage:
    region: Region
    residents: int
    reached: int

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.residents) if self.residents else 0


def in_a_grid_group() -> Q:
    """Residents whose household is in at least one grid group (reached through the group)."""
    through = GridGroup.households.through.objects.filter(household_id=OuterRef("household_id"))
    return Q(Exists(through))


def coverage(region: Region) -> tuple[list[GroupCoverage], GroupCoverage]:
    """Per child region and in all: current residents, and those whose household is in at
    least one grid group."""
    people = Resident.objects.filter(region_path__startswith=region.path, status="current")
    depth = len(region.path.strip("/").split("/"))
    counts: dict[str, list[int]] = {}
    grouped = people.values("region_path").annotate(
        total=Count("pk"), reached=Count("pk", filter=in_a_grid_group())
    )
    for path, total, reached in grouped.values_list("region_path", "total", "reached"):
        parts = path.strip("/").split("/")
        key = parts[depth] if len(parts) > depth else ""
        row = counts.setdefault(key, [0, 0])
        row[0] += total
        row[1] += reached
    children = Region.objects.in_bulk([int(k) for k in counts if k])
    rows = [
        GroupCoverage(children[int(k)], v[0], v[1])
        for k, v in counts.items()
        if k and int(k) in children
    ]
    total = GroupCoverage(
        region, sum(v[0] for v in counts.values()), sum(v[1] for v in counts.values())
    )
    return sorted(rows, key=lambda r: r.region.pk), total
