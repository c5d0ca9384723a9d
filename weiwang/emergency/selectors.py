"""Reads for emergency mode, scoped: the emergencies a user sees (over their area or above
it), the active ones for the banner, and the per-household status board."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from weiwang.access import Action, grants_for, paths_around, scope_q
from weiwang.emergency.models import OPEN_HELP, DutyCall, Emergency, HelpRequest
from weiwang.regions.models import Region
from weiwang.surveys.models import SurveyTask


def emergencies_for_user(user) -> QuerySet[Emergency]:
    """Emergencies over the user's area or inside it (workers and staff), and those the user
    was called up to."""
    inside = scope_q(user, Action.HANDLE_CASES, path="region_path", building="", household="")
    around = Q(region_path__in=paths_around(user, Action.HANDLE_CASES))
    called = Q(pk__in=DutyCall.objects.filter(user=user).values("emergency_id"))
    return Emergency.objects.filter(inside | around | called).select_related("region", "sweep")


def switchable(user) -> QuerySet[Emergency]:
    """Emergencies over a region inside the user's scope for switching (to switch off)."""
    where = scope_q(user, Action.SWITCH_EMERGENCY, path="region_path", building="", household="")
    return Emergency.objects.filter(where)


def active_for_banner(user) -> list[Emergency]:
    """Active emergencies anyone with a role in or above the region is told about on every
    page (a tiny table: the active rows are read and matched by path here)."""
    grants = grants_for(user)
    if not grants:
        return []
    paths = [g.region_path for g in grants]
    active = Emergency.objects.filter(ended_at=None).select_related("region")
    return [
        e
        for e in active
        if any(p.startswith(e.region_path) or e.region_path.startswith(p) for p in paths)
    ]


def requests_for_user(user) -> QuerySet[HelpRequest]:
    return HelpRequest.objects.filter(
        scope_q(user, Action.HANDLE_CASES, path="region_path", building="", household="")
        | Q(assignee=user)
    ).select_related("household__dwelling", "assignee")


@dataclass
class BoardRow:
    region: Region | None
    total: int = 0
    reached: int = 0
    needs_help: int = 0
    helped: int = 0

    @property
    def not_reached(self) -> int:
        return self.total - self.reached


def board(emergency: Emergency, tasks: QuerySet[SurveyTask], requests) -> tuple[BoardRow, list]:
    """Per micro-grid and in all: households to reach, reached (sweep answered or asked for
    help), still needing help (a request not yet delivered), and helped."""
    asked = HelpRequest.objects.filter(emergency=emergency, household=OuterRef("household"))
    counts = (
        tasks.annotate(asked=Exists(asked))
        .order_by()
        .values("micro_grid_id")
        .annotate(
            total=Count("pk"),
            reached=Count("pk", filter=Q(answered_at__isnull=False) | Q(asked=True)),
        )
    )
    rows = {c["micro_grid_id"]: BoardRow(None, c["total"], c["reached"]) for c in counts}
    status: dict[int, tuple[int, bool]] = {}  # household → (micro-grid, still open)
    for household, micro, state in requests.values_list("household_id", "micro_grid_id", "status"):
        still = status.get(household, (micro, False))[1] or state in OPEN_HELP
        status[household] = (micro, still)
    for micro, still in status.values():
        row = rows.setdefault(micro, BoardRow(None))
        if still:
            row.needs_help += 1
        else:
            row.helped += 1
    regions = Region.objects.in_bulk(list(rows))
    total = BoardRow(None)
    for pk, row in rows.items():
        row.region = regions.get(pk)
        for name in ("total", "reached", "needs_help", "helped"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    ordered = sorted(rows.values(), key=lambda r: r.region.path if r.region else "")
    return total, ordered


def roll_up(rows: list[BoardRow], region: Region) -> list[BoardRow]:
    """The micro-grid rows summed per child of `region` (grids of a community, communities of
    a street)."""
    depth = len(region.path.strip("/").split("/"))
    totals: dict[int, BoardRow] = {}
    for row in rows:
        if row.region is None:
            continue
        child = int(row.region.path.strip("/").split("/")[depth])
        total = totals.setdefault(child, BoardRow(None))
        for name in ("total", "reached", "needs_help", "helped"):
            setattr(total, name, getattr(total, name) + getattr(row, name))
    children = Region.objects.in_bulk(list(totals))
    for pk, total in totals.items():
        total.region = children.get(pk)
    return sorted(totals.values(), key=lambda r: r.region.path if r.region else "")


def unreached_tasks(emergency: Emergency, tasks: QuerySet[SurveyTask]) -> QuerySet[SurveyTask]:
    asked = HelpRequest.objects.filter(emergency=emergency, household=OuterRef("household"))
    return (
        tasks.filter(answered_at=None)
        .exclude(Exists(asked))
        .select_related("household__dwelling", "micro_grid")
        .order_by("micro_grid__name", "household__dwelling__address")
    )
