"""Reads for volunteering: the activities a person sees, staff's scoped activities, a
volunteer's hours and the monthly ranking."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db.models import Q, QuerySet, Sum

from weiwang.access import Action, near_q, scope_q
from weiwang.volunteers.models import Activity, Audience, EntryKind, PointEntry, Reward, Signup


def activities_for_user(user) -> QuerySet[Activity]:
    """Activities near the user (see near_q), and those open to anyone."""
    near = near_q(user) | Q(audience=Audience.ANYONE)
    return Activity.objects.filter(near).select_related("community")


def rewards_for_user(user) -> QuerySet[Reward]:
    return Reward.objects.filter(near_q(user), active=True).select_related("community")


def managed_activities(user) -> QuerySet[Activity]:
    where = scope_q(user, Action.RUN_ACTIVITIES, path="region_path", building="", household="")
    return Activity.objects.filter(where).select_related("community")


def hours_of(volunteer) -> tuple[int, int]:
    """(minutes served, activities served) over all time."""
    done = Signup.objects.filter(volunteer=volunteer, minutes__gt=0)
    minutes = done.aggregate(m=Sum("minutes"))["m"] or 0
    return minutes, done.values("shift__activity").distinct().count()


def monthly_ranking(path: str, month: dt.date, limit: int = 20) -> list[tuple[object, object]]:
    """(volunteer, points earned that month) for service in activities under `path`."""
    start = dt.datetime(month.year, month.month, 1, tzinfo=dt.UTC)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    earned = (
        PointEntry.objects.filter(
            kind__in=[EntryKind.SERVICE, EntryKind.CORRECTION],
            signup__shift__activity__region_path__startswith=path,
            created_at__gte=start,
            created_at__lt=end,
        )
        .values("volunteer")
        .annotate(total=Sum("points"))
        .order_by("-total", "volunteer")[:limit]
    )
    people = get_user_model().objects.in_bulk([row["volunteer"] for row in earned])
    return [
        (people[row["volunteer"]], Decimal(str(row["total"])).quantize(Decimal("0.1")))
        for row in earned
        if row["total"] > 0
    ]
