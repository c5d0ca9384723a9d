"""The access layer (DESIGN.md §4): what each role may do, and where.

Every read of scoped data goes through the `<things>_for_user` selectors built on `scope_q`.
Out of scope is a 404 identical to "does not exist".
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.db.models import Q
from django.http import Http404

from weiwang.accounts.models import Role


class Action(StrEnum):
    VIEW_REGIONS = "regions.view"
    VIEW_RESIDENTS = "residents.view"
    REVEAL_SENSITIVE = "residents.reveal"
    VIEW_SENSITIVE_TAGS = "residents.view_sensitive_tags"
    EXPORT_RESIDENTS = "residents.export"  # masked spreadsheets of scoped lists
    EDIT_RESIDENTS = "residents.edit"  # register life events: moves, births, deaths, tags
    MANAGE_TAGS = "tags.manage"  # the city-wide list of population tags
    REPORT_CASES = "cases.report"  # report a problem (residents: their own cases only)
    VIEW_CASES = "cases.view"  # the cases of a region
    HANDLE_CASES = "cases.handle"  # accept, handle, escalate, close at one's tier
    MANAGE_CASE_SETTINGS = "cases.settings"  # categories, time limits, the working calendar
    PROPOSE_TOPICS = "topics.propose"  # raise an 有事好商量 topic (residents: about their home)
    RUN_CONSULTATIONS = "topics.run"  # review topics, hold meetings, run votes, paper ballots
    MANAGE_VISIT_RULES = "visits.rules"  # how often each population tag is visited
    RUN_SURVEYS = "surveys.run"  # build survey forms, start campaigns, confirm answers
    SWITCH_EMERGENCY = "emergency.switch"  # switch a community or street into emergency mode
    RUN_ACTIVITIES = "activities.run"  # publish volunteer activities, scan, correct hours, rewards
    MANAGE_PARTY = "party.manage"  # Party organisations, members, units, needs for units
    MANAGE_POINT_RULES = "points.rules"  # how volunteer service earns points (city-wide)
    PUBLISH_NOTICES = "notices.publish"  # write and review notices, keep the grid groups
    MANAGE_REVIEW_RULES = "notices.rules"  # which role reviews notices of which audience size
    MANAGE_DASHBOARDS = "dashboards.manage"  # draw region boundaries, generate reports


class ScopeKind(StrEnum):
    SUBTREE = "subtree"  # everything under the assigned region node
    BUILDING = "building"  # one building inside the assigned micro-grid
    OWN_HOUSEHOLD = "own_household"  # the user's own household


# The capability table: role → (scope kind, allowed actions). Tested as a grid in
# weiwang/tests/test_access_grid.py, which fails for any URL without a row.
_STAFF = frozenset(
    {
        Action.VIEW_REGIONS,
        Action.VIEW_RESIDENTS,
        Action.REVEAL_SENSITIVE,
        Action.VIEW_SENSITIVE_TAGS,
        Action.EXPORT_RESIDENTS,
        Action.EDIT_RESIDENTS,
    }
)
_CASE_WORK = frozenset(
    {Action.REPORT_CASES, Action.VIEW_CASES, Action.HANDLE_CASES, Action.PROPOSE_TOPICS}
)
_RESIDENT = frozenset({Action.VIEW_RESIDENTS, Action.REPORT_CASES, Action.PROPOSE_TOPICS})
CAPABILITIES: dict[str, tuple[ScopeKind, frozenset[Action]]] = {
    Role.REGION_ADMIN: (
        ScopeKind.SUBTREE,
        _STAFF
        | _CASE_WORK
        | {
            Action.MANAGE_TAGS,
            Action.MANAGE_CASE_SETTINGS,
            Action.RUN_CONSULTATIONS,
            Action.MANAGE_VISIT_RULES,
            Action.RUN_SURVEYS,
            Action.SWITCH_EMERGENCY,
            Action.RUN_ACTIVITIES,
            Action.MANAGE_PARTY,
            Action.MANAGE_POINT_RULES,
            Action.PUBLISH_NOTICES,
            Action.MANAGE_REVIEW_RULES,
            Action.MANAGE_DASHBOARDS,
        },
    ),
    Role.COMMUNITY_WORKER: (
        ScopeKind.SUBTREE,
        _STAFF
        | _CASE_WORK
        | {
            Action.RUN_CONSULTATIONS,
            Action.RUN_SURVEYS,
            Action.SWITCH_EMERGENCY,
            Action.RUN_ACTIVITIES,
            Action.MANAGE_PARTY,
            Action.PUBLISH_NOTICES,
            Action.MANAGE_DASHBOARDS,
        },
    ),
    Role.GRID_WORKER: (
        ScopeKind.SUBTREE,
        _STAFF
        | _CASE_WORK
        | {Action.RUN_SURVEYS, Action.PUBLISH_NOTICES, Action.MANAGE_DASHBOARDS},
    ),
    Role.MICRO_GRID_WORKER: (
        ScopeKind.SUBTREE,
        frozenset({Action.VIEW_REGIONS, Action.VIEW_RESIDENTS}) | _CASE_WORK,
    ),
    Role.BUILDING_HEAD: (ScopeKind.BUILDING, _RESIDENT),
    Role.PARTY_MEMBER: (ScopeKind.OWN_HOUSEHOLD, _RESIDENT),
    Role.RESIDENT: (ScopeKind.OWN_HOUSEHOLD, _RESIDENT),
}


@dataclass(frozen=True)
class Grant:
    role: str
    kind: ScopeKind
    region_id: int
    region_path: str
    building_id: int | None
    household_id: int | None


def grants_for(user) -> list[Grant]:
    """The user's role assignments, loaded once per request and cached on the user object."""
    if not getattr(user, "is_authenticated", False):
        return []
    cached = getattr(user, "_weiwang_grants", None)
    if cached is not None:
        return cached
    household_id = None
    if user.resident_id:
        from weiwang.people.models import Resident

        household_id = (
            Resident.objects.filter(pk=user.resident_id)
            .values_list("household_id", flat=True)
            .first()
        )
    grants = []
    for assignment in user.role_assignments.select_related("region").order_by("id"):
        kind = CAPABILITIES[assignment.role][0]
        grants.append(
            Grant(
                role=assignment.role,
                kind=kind,
                region_id=assignment.region_id,
                region_path=assignment.region.path,
                building_id=assignment.building_id,
                household_id=household_id,
            )
        )
    user._weiwang_grants = grants
    return grants


def can(user, action: Action) -> bool:
    return any(action in CAPABILITIES[grant.role][1] for grant in grants_for(user))


def require(user, action: Action) -> None:
    """Refuse with a 404 (never a tell-tale 403) when no role of the user allows the action."""
    if not can(user, action):
        raise Http404


def scope_q(user, action: Action, *, path: str, building: str, household: str) -> Q:
    """A filter selecting the rows the user may reach for the action.

    `path`, `building` and `household` name the lookups from the queried model to its region
    path, its building id and its household id; an empty name means the model has no such link.
    """
    allowed = Q(pk__in=[])
    for grant in grants_for(user):
        if action not in CAPABILITIES[grant.role][1]:
            continue
        if grant.kind is ScopeKind.SUBTREE and path:
            allowed |= Q(**{f"{path}__startswith": grant.region_path})
        elif grant.kind is ScopeKind.BUILDING and building and grant.building_id:
            allowed |= Q(**{f"{path}__startswith": grant.region_path, building: grant.building_id})
        elif grant.kind is ScopeKind.OWN_HOUSEHOLD and household and grant.household_id:
            allowed |= Q(**{household: grant.household_id})
    return allowed


def paths_around(user, action: Action) -> list[str]:
    """The paths of the regions the user acts in for `action` and of every region above them:
    a record over a region that contains the user's area (a community-wide campaign or
    emergency) concerns the user too."""
    from weiwang.regions.models import path_prefixes

    paths: set[str] = set()
    for grant in grants_for(user):
        if action in CAPABILITIES[grant.role][1]:
            paths.update(path_prefixes(grant.region_path))
    return sorted(paths)


def near_q(user, path: str = "region_path") -> Q:
    """Rows of the regions the user lives or works in, and of those above (a community's
    activity concerns its residents and its grid workers, and the street leading it)."""
    from weiwang.regions.models import path_prefixes

    near = Q(pk__in=[])
    for grant in grants_for(user):
        near |= Q(**{f"{path}__startswith": grant.region_path})
        near |= Q(**{f"{path}__in": path_prefixes(grant.region_path)})
    return near


def get_or_404(queryset, pk: object):
    """Fetch one row from an already scoped queryset; missing and out of scope look the same."""
    try:
        return queryset.get(pk=int(str(pk)))
    except (ValueError, queryset.model.DoesNotExist):
        raise Http404 from None
