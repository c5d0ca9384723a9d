"""Scoped reads of residents and households, including search with keyset pagination."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db.models import Count, Prefetch, Q, QuerySet

from weiwang.access import Action, can, get_or_404, scope_q
from weiwang.core.crypto import blind_index
from weiwang.people.models import LifeEvent, PopulationTag, Resident, ResidentStatus, ResidentTag
from weiwang.regions.models import Region

PAGE_SIZE = 20
_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE = re.compile(r"^1\d{10}$")
_LAST4 = re.compile(r"^\d{4}$")
_LATIN = re.compile(r"^[a-zA-Z\s]+$")


def residents_for_user(user, action: Action = Action.VIEW_RESIDENTS) -> QuerySet[Resident]:
    return Resident.objects.filter(
        scope_q(
            user,
            action,
            path="region_path",
            building="household__dwelling__unit__building_id",
            household="household_id",
        )
    )


def visible_tags_q(user) -> Q:
    return Q() if can(user, Action.VIEW_SENSITIVE_TAGS) else Q(tag__sensitive=False)


def with_list_relations(queryset: QuerySet[Resident], user) -> QuerySet[Resident]:
    """What a resident list or card shows, in a constant number of queries."""
    tags = ResidentTag.objects.filter(visible_tags_q(user)).select_related("tag")
    return queryset.select_related("household__dwelling").prefetch_related(
        Prefetch("tag_links", queryset=tags), "phones"
    )


def get_resident_for_user(user, pk: object) -> Resident:
    return get_or_404(with_list_relations(residents_for_user(user), user), pk)


def tags_with_usage() -> QuerySet[PopulationTag]:
    """The city-wide tag list for its managers, with how many residents carry each tag."""
    return PopulationTag.objects.annotate(residents=Count("resident_links")).order_by("id")


def tag_names() -> dict[str, str]:
    return dict(PopulationTag.objects.values_list("code", "name"))


def tags_for_user(user) -> QuerySet[PopulationTag]:
    tags = PopulationTag.objects.filter(active=True)
    if not can(user, Action.VIEW_SENSITIVE_TAGS):
        tags = tags.filter(sensitive=False)
    return tags


def search_filter(query: str) -> Q:
    """Interpret the search box: ID number, phone, last 4 phone digits, pinyin, name or address."""
    q = query.strip()
    if not q:
        return Q()
    if _ID_NUMBER.match(q):
        return Q(id_number_index=blind_index(q))
    if _PHONE.match(q):
        return Q(phones__number_index=blind_index(q))
    if _LAST4.match(q):
        return Q(phones__last4=q)
    if _LATIN.match(q):
        latin = "".join(q.split()).lower()
        return Q(name_initials__startswith=latin) | Q(name_pinyin__startswith=latin)
    return Q(name__contains=q) | Q(household__dwelling__address__contains=q)


@dataclass
class ResidentPage:
    rows: list[Resident]
    next_cursor: int | None


def filtered_residents(
    user, *, query: str = "", tag: str = "", within: Region | None = None
) -> QuerySet[Resident]:
    """The residents the user may see that match the search box, a tag and a region, by id.

    `within` narrows to a region's subtree; the caller fetched it through the access layer.
    """
    queryset = residents_for_user(user).filter(search_filter(query), status=ResidentStatus.CURRENT)
    if within is not None:
        queryset = queryset.filter(region_path__startswith=within.path)
    if tag:
        visible = tags_for_user(user).filter(code=tag)
        queryset = queryset.filter(tag_links__tag__in=visible)
    # A resident with two matching phones or tags would appear twice without distinct.
    if tag or _PHONE.match(query.strip()) or _LAST4.match(query.strip()):
        queryset = queryset.distinct()
    return queryset.order_by("id")


def search_residents(
    user,
    *,
    query: str = "",
    tag: str = "",
    within: Region | None = None,
    after: int | None = None,
    limit: int = PAGE_SIZE,
) -> ResidentPage:
    """One keyset page (ordered by id) of `filtered_residents`."""
    queryset = filtered_residents(user, query=query, tag=tag, within=within)
    if after is not None:
        queryset = queryset.filter(id__gt=after)
    rows = list(with_list_relations(queryset, user)[: limit + 1])
    next_cursor = rows[limit - 1].id if len(rows) > limit else None
    return ResidentPage(rows=rows[:limit], next_cursor=next_cursor)


def resident_history(resident: Resident) -> QuerySet[LifeEvent]:
    return resident.events.select_related("dwelling", "from_dwelling", "tag", "actor").order_by(
        "-occurred_on", "-id"
    )


def dwelling_history(dwelling) -> QuerySet[LifeEvent]:
    """Who came to and left this dwelling, and when (events of its residents here)."""
    return (
        LifeEvent.objects.filter(Q(dwelling=dwelling) | Q(from_dwelling=dwelling))
        .exclude(kind__in=["tag_added", "tag_removed"])
        .select_related("resident", "dwelling", "from_dwelling")
        .order_by("-occurred_on", "-id")
    )


def tag_counts_in_region(user, region: Region) -> list[tuple[PopulationTag, int]]:
    """Each tag the user may see, with how many current residents of the region carry it."""
    tags = list(tags_for_user(user))
    counts = dict(
        ResidentTag.objects.filter(
            tag__in=tags,
            resident__region_path__startswith=region.path,
            resident__status=ResidentStatus.CURRENT,
        )
        .values_list("tag_id")
        .annotate(n=Count("id"))
    )
    return [(tag, counts.get(tag.pk, 0)) for tag in tags]
