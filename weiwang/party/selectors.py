"""Reads for Party building: organisations and needs near the user, members for staff, the
community's figures counted from the records, and quarterly service records."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils import timezone

from weiwang.access import Action, can, near_q, scope_q
from weiwang.party.models import Need, NeedStatus, PartyMember, PartyOrganisation, Relation, Unit


def _staff(user) -> Q:
    return scope_q(user, Action.MANAGE_PARTY, path="region_path", building="", household="")


def organisations_for_user(user) -> QuerySet[PartyOrganisation]:
    return PartyOrganisation.objects.filter(near_q(user)).select_related("region", "parent")


def members_for_staff(user) -> QuerySet[PartyMember]:
    return PartyMember.objects.filter(_staff(user)).select_related("organisation", "unit", "serves")


def units_for_staff(user) -> QuerySet[Unit]:
    return Unit.objects.filter(_staff(user))


def needs_for_user(user) -> QuerySet[Need]:
    """Needs of the communities near the user, and the user's own."""
    return Need.objects.filter(near_q(user) | Q(posted_by=user)).select_related(
        "member", "unit", "posted_by"
    )


@dataclass
class Figures:
    members: int
    shown: int
    dual: int
    units: int
    organisations: int


def member_counts(prefix: str = "") -> dict[str, Count]:
    """The member figures as the report quotes them, as aggregates: members whose organisation
    is here, those of them showing their identity, in-service members registered here."""
    return {
        f"{prefix}members": Count("pk", filter=Q(relation=Relation.LOCAL)),
        f"{prefix}shown": Count(
            "pk", filter=Q(relation=Relation.LOCAL, identity_shown_on__isnull=False)
        ),
        f"{prefix}dual": Count(
            "pk", filter=Q(relation=Relation.DUAL, dual_registered_on__isnull=False)
        ),
    }


def figures(community) -> Figures:
    """The community's Party figures, counted from the records (as the report quotes them)."""
    members = PartyMember.objects.filter(region_path__startswith=community.path)
    counts = members.aggregate(**member_counts())
    grid_orgs = PartyOrganisation.objects.filter(
        region_path__startswith=community.path, level="branch"
    ).count()
    units = Unit.objects.filter(region_path=community.path).count()
    return Figures(counts["members"], counts["shown"], counts["dual"], units, grid_orgs)


def quarter_bounds(year: int, quarter: int) -> tuple[dt.datetime, dt.datetime]:
    start = timezone.make_aware(dt.datetime(year, 3 * quarter - 2, 1))
    end_month = 3 * quarter + 1
    end = timezone.make_aware(
        dt.datetime(year + 1, 1, 1) if end_month > 12 else dt.datetime(year, end_month, 1)
    )
    return start, end


@dataclass
class ServiceRecord:
    who: object
    needs_done: int
    rating: float | None
    volunteer_minutes: int


def member_records(members: QuerySet[PartyMember], year: int, quarter: int) -> list[ServiceRecord]:
    """Per member for the quarter: needs done (and their average rating) and volunteer hours."""
    from weiwang.volunteers.models import Signup

    start, end = quarter_bounds(year, quarter)
    done = Q(needs__done_at__gte=start, needs__done_at__lt=end)
    rows = members.annotate(
        done=Count("needs", filter=done), rating=Avg("needs__rating", filter=done)
    ).order_by("organisation__region_path", "name")
    minutes = dict(
        Signup.objects.filter(
            volunteer__party_member__in=members,
            shift__starts_at__gte=start,
            shift__starts_at__lt=end,
        )
        .values("volunteer__party_member")
        .annotate(m=Sum("minutes"))
        .values_list("volunteer__party_member", "m")
    )
    return [
        ServiceRecord(m, m.done, round(m.rating, 1) if m.rating else None, minutes.get(m.pk, 0))
        for m in rows
    ]


def unit_record(unit: Unit, year: int, quarter: int) -> dict:
    """A unit's quarter: the needs it took on and its members' service."""
    start, end = quarter_bounds(year, quarter)
    needs = unit.needs.filter(done_at__gte=start, done_at__lt=end)
    return {
        "needs": list(needs.order_by("done_at")),
        "members": member_records(unit.members.all(), year, quarter),
        "start": start,
        "end": end - dt.timedelta(days=1),
    }


OPEN_NEEDS = [NeedStatus.OPEN, NeedStatus.CLAIMED]


def may_move_need(user, need: Need, move: str, *, member: PartyMember | None, unit=None) -> bool:
    """Who may make which move of a need: a member (or staff for a unit) claims; the claimer or
    staff mark it done; its poster rates; its poster or staff withdraw. An unknown move is left
    to the service, which refuses it with the reason."""
    manages = can(user, Action.MANAGE_PARTY)
    allowed = {
        "claim": member is not None or (unit is not None and manages),
        "done": manages or (member is not None and need.member_id == member.pk),
        "rate": need.posted_by_id == user.pk,
        "withdraw": need.posted_by_id == user.pk or manages,
    }
    return allowed.get(move, True)
