"""What each region contributes by itself to the dashboard ("own" figures): grouped queries
over the rows attached to it, one per table, keyed by the region's path. A region's figure is the
sum of the own figures of its subtree (see services).

Figures are a flat mapping of name to integer. Breakdowns are named "<kind>.<key>"
("case_category.3", "case_week.2026-11-23", "tag.elderly") so that sums and differences stay
plain arithmetic on dictionaries."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone

Counts = dict[str, int]
Source = Callable[[list[str] | None, dt.datetime], Iterable[tuple[str, Counts]]]

RESOLVED = ["resolved", "awaiting_rating", "archived"]
WEEKS = 12  # weeks of case trend kept on each day's row
SOURCES: list[Source] = []


def source(function: Source) -> Source:
    SOURCES.append(function)
    return function


def _grouped(queryset, path_field: str, paths: list[str] | None, **aggregates):
    """Rows of `queryset` grouped by the path of the region they belong to."""
    if paths is not None:
        queryset = queryset.filter(**{f"{path_field}__in": paths})
    rows = queryset.values(path_field).annotate(**aggregates).order_by()
    for row in rows:
        path = row.pop(path_field)
        yield path, {name: _number(value) for name, value in row.items()}


def _number(value) -> int:
    """Counts and sums as integers: a duration in minutes, money in whole yuan."""
    if isinstance(value, dt.timedelta):
        return int(value.total_seconds() // 60)
    return int(value or 0)


def _broken_down(queryset, path_field, paths, key_field, prefix):
    if paths is not None:
        queryset = queryset.filter(**{f"{path_field}__in": paths})
    rows = queryset.values(path_field, key_field).annotate(n=Count("pk")).order_by()
    for path, key, n in rows.values_list(path_field, key_field, "n"):
        yield path, {f"{prefix}.{key}": n}


@source
def structure(paths, now):
    from weiwang.people.models import Household, Resident

    yield from _grouped(Household.objects.all(), "region_path", paths, households=Count("pk"))
    current = Resident.objects.filter(status="current")
    yield from _grouped(current, "region_path", paths, residents=Count("pk"))


@source
def cases(paths, now):
    from weiwang.cases.models import OPEN_STATES, Case

    resolved = Q(state__in=RESOLVED, resolved_at__isnull=False)
    handling = ExpressionWrapper(F("resolved_at") - F("created_at"), output_field=DurationField())
    rows = Case.objects.annotate(handling=handling)
    for path, figures in _grouped(
        rows,
        "region_path",
        paths,
        cases_received=Count("pk"),
        cases_open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        cases_overdue=Count("pk", filter=Q(state__in=OPEN_STATES, deadline__lt=now)),
        cases_resolved=Count("pk", filter=resolved),
        cases_on_time=Count("pk", filter=resolved & Q(resolved_at__lte=F("deadline"))),
        rated_satisfied=Count("pk", filter=Q(rating="satisfied")),
        rated_basic=Count("pk", filter=Q(rating="basic")),
        rated_dissatisfied=Count("pk", filter=Q(rating="dissatisfied")),
        cases_handling_minutes=Sum("handling", filter=resolved),
    ):
        yield path, figures
    yield from _broken_down(
        Case.objects.all(), "region_path", paths, "category_id", "case_category"
    )
    yield from _broken_down(Case.objects.all(), "region_path", paths, "tier", "case_tier")
    yield from _broken_down(Case.objects.all(), "region_path", paths, "source", "case_source")
    start = timezone.localtime(now).date() - dt.timedelta(weeks=WEEKS)
    recent = Case.objects.filter(created_at__date__gte=start).annotate(week=TruncWeek("created_at"))
    if paths is not None:
        recent = recent.filter(region_path__in=paths)
    weekly = recent.values("region_path", "week").annotate(n=Count("pk")).order_by()
    for path, week, n in weekly.values_list("region_path", "week", "n"):
        monday = week.date() if isinstance(week, dt.datetime) else week
        yield path, {f"case_week.{monday.isoformat()}": n}


@source
def care(paths, now):
    from weiwang.people.models import Resident, ResidentTag
    from weiwang.visits.models import Visit
    from weiwang.visits.services import coverage_rows

    tagged = ResidentTag.objects.filter(resident__status="current", tag__active=True)
    yield from _broken_down(tagged, "resident__region_path", paths, "tag__code", "tag")
    residents = Resident.objects.all()
    if paths is not None:
        residents = residents.filter(region_path__in=paths)
    for due, required, on_time in coverage_rows(residents, now):
        yield (
            due.region_path,
            {
                "visits_required": required,
                "visits_on_time": on_time,
                "never_visited": int(due.last_visit is None),
                "visits_overdue": int(due.overdue),
                "visited_residents": 1,
            },
        )
    month = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    this_month = Visit.objects.filter(visited_at__gte=month, visited_at__lte=now)
    yield from _grouped(this_month, "region_path", paths, visits_this_month=Count("pk"))


@source
def party(paths, now):
    from weiwang.party.models import Need, PartyMember, Unit
    from weiwang.party.selectors import member_counts

    yield from _grouped(
        PartyMember.objects.all(),
        "region_path",
        paths,
        **member_counts("party_"),  # as the Party page counts them
    )
    yield from _grouped(Unit.objects.all(), "region_path", paths, party_units=Count("pk"))
    yield from _grouped(
        Need.objects.exclude(status="withdrawn"),
        "region_path",
        paths,
        needs_posted=Count("pk"),
        needs_claimed=Count("pk", filter=Q(claimed_at__isnull=False)),
        needs_rated=Count("pk", filter=Q(rating__isnull=False)),
        needs_rating_sum=Sum("rating"),
    )


@source
def participation(paths, now):
    from weiwang.deliberation.models import Meeting, Project, RollEntry, Spending, Topic
    from weiwang.interest_groups.models import InterestGroup, Membership
    from weiwang.volunteers.models import Signup

    yield from _grouped(Topic.objects.all(), "region_path", paths, topics=Count("pk"))
    held = Meeting.objects.filter(starts_at__lte=now)
    yield from _grouped(held, "topic__region_path", paths, meetings_held=Count("pk"))
    closed_roll = RollEntry.objects.filter(vote__status="closed")
    yield from _grouped(
        closed_roll,
        "vote__topic__region_path",
        paths,
        roll_entries=Count("pk"),
        roll_voted=Count("pk", filter=Q(voted=True)),
    )
    funded = Project.objects.filter(status__in=["selected", "implementing", "accepted"])
    yield from _grouped(funded, "fund__community__path", paths, projects_funded=Count("pk"))
    yield from _grouped(
        Spending.objects.all(), "project__fund__community__path", paths, money_spent=Sum("amount")
    )
    yield from _grouped(
        Signup.objects.filter(minutes__gt=0),
        "shift__activity__region_path",
        paths,
        volunteer_minutes=Sum("minutes"),
    )
    yield from _grouped(
        InterestGroup.objects.filter(active=True), "region_path", paths, groups=Count("pk")
    )
    yield from _grouped(
        Membership.objects.filter(status="member", group__active=True),
        "group__region_path",
        paths,
        group_members=Count("pk"),
    )


@source
def notices(paths, now):
    from weiwang.notices.models import Delivery, GridGroup
    from weiwang.notices.selectors import in_a_grid_group
    from weiwang.people.models import Resident

    yield from _grouped(GridGroup.objects.all(), "region_path", paths, grid_groups=Count("pk"))
    covered = Resident.objects.filter(in_a_grid_group(), status="current")
    yield from _grouped(covered, "region_path", paths, residents_in_groups=Count("pk"))
    for field in ("group__region_path", "resident__region_path"):
        yield from _grouped(
            Delivery.objects.filter(**{f"{field}__isnull": False}),
            field,
            paths,
            deliveries=Count("pk"),
            deliveries_sent=Count("pk", filter=Q(status="sent")),
        )


def own_figures(paths: list[str] | None, now: dt.datetime) -> dict[str, Counts]:
    """Per region path, what its own rows contribute (`paths` None: every region)."""
    own: dict[str, Counts] = defaultdict(dict)
    for function in SOURCES:
        for path, figures in function(paths, now):
            target = own[path]
            for name, value in figures.items():
                if value:
                    target[name] = target.get(name, 0) + value
    return own


def add(target: Counts, other: Counts, sign: int = 1) -> None:
    for name, value in other.items():
        total = target.get(name, 0) + sign * value
        if total:
            target[name] = total
        else:
            target.pop(name, None)


def difference(new: Counts, old: Counts) -> Counts:
    change = dict(new)
    add(change, old, -1)
    return change
