"""Reads for interest groups and venues, scoped to the communities near the user, and group
recommendations explained from the resident's age and the household's survey answers."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from weiwang.access import Action, near_q, scope_q
from weiwang.interest_groups.models import (
    GroupKind,
    InterestGroup,
    Membership,
    MembershipStatus,
    Venue,
)


def groups_for_user(user) -> QuerySet[InterestGroup]:
    return (
        InterestGroup.objects.filter(near_q(user))
        .select_related("community", "organiser")
        .annotate(members=Count("memberships", filter=Q(memberships__status="member")))
    )


def managed_groups(user) -> QuerySet[InterestGroup]:
    """Groups the user organises, or runs as community staff."""
    staff = scope_q(user, Action.RUN_ACTIVITIES, path="region_path", building="", household="")
    return InterestGroup.objects.filter(staff | Q(organiser=user))


def venues_for_user(user) -> QuerySet[Venue]:
    return Venue.objects.filter(near_q(user)).select_related("community")


def managed_venues(user) -> QuerySet[Venue]:
    where = scope_q(user, Action.RUN_ACTIVITIES, path="region_path", building="", household="")
    return Venue.objects.filter(where)


@dataclass
class Recommendation:
    group: InterestGroup
    reasons: list[str] = field(default_factory=list)


def _age(user) -> int | None:
    birth = getattr(getattr(user, "resident", None), "birth_date", None)
    if birth is None:
        return None
    today = timezone.localdate()
    return today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))


def _chosen_options(user) -> set[str]:
    """Every option the user's household chose in survey answers (e.g. 乒乓球 in the
    居民运动偏好调查)."""
    from weiwang.surveys.models import SurveyTask

    household = getattr(getattr(user, "resident", None), "household_id", None)
    if household is None:
        return set()
    chosen: set[str] = set()
    answers = SurveyTask.objects.filter(household_id=household).exclude(answered_at=None)
    for given in answers.values_list("answers", flat=True):
        for value in (given or {}).values():
            if isinstance(value, list):
                chosen.update(str(v) for v in value)
            elif isinstance(value, str):
                chosen.add(value)
    return chosen


def recommendations(user, limit: int = 5) -> list[Recommendation]:
    """Groups near the user they are not in, with the reasons they fit: a sport their
    household chose in a survey, their age, recruitment in their grid."""
    age, chosen = _age(user), _chosen_options(user)
    with translation.override("zh-hans"):  # survey options are written in Chinese
        kind_names = {k: str(label) for k, label in GroupKind.choices}
    joined = Membership.objects.filter(user=user).exclude(status=MembershipStatus.LEFT)
    home = getattr(getattr(user, "resident", None), "region_path", "")
    candidates = (
        groups_for_user(user)
        .filter(active=True)
        .exclude(pk__in=joined.values("group"))
        .prefetch_related("target_grids")
    )
    found = []
    for group in candidates:
        reasons = []
        if kind_names.get(group.kind) in chosen:
            reasons.append(_("因为你选择了%(kind)s") % {"kind": group.get_kind_display()})
        ranged = group.min_age is not None or group.max_age is not None
        if ranged and age is not None and (group.min_age or 0) <= age <= (group.max_age or 200):
            reasons.append(_("适合你的年龄"))
        if home and any(home.startswith(g.path) for g in group.target_grids.all()):
            reasons.append(_("正在你所在的网格招募"))
        if reasons:
            found.append(Recommendation(group, reasons))
    found.sort(key=lambda r: (-len(r.reasons), -r.group.members, r.group.name))
    return found[:limit]


def day_slots(venue: Venue, day: dt.date) -> list[tuple[dt.datetime, object]]:
    """(slot start, live booking holding it or None) for one day of a venue."""
    from weiwang.interest_groups.models import BookingSlot

    start = timezone.make_aware(dt.datetime.combine(day, venue.opens_at))
    end = timezone.make_aware(dt.datetime.combine(day, venue.closes_at))
    held = {
        s.starts_at: s.booking
        for s in BookingSlot.objects.filter(
            venue=venue, starts_at__gte=start, starts_at__lt=end
        ).select_related("booking__group")
    }
    step = dt.timedelta(minutes=venue.slot_minutes)
    slots, at = [], start
    while at + step <= end:
        slots.append((at, held.get(at)))
        at += step
    return slots
