"""Scoped reads of cases: staff see the cases of their region; residents the ones they
reported."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from weiwang.access import Action, can, get_or_404, scope_q
from weiwang.cases.models import OPEN_STATES, Case, CaseCategory, CaseState
from weiwang.cases.services import actor_position


def cases_for_user(user) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    scope = scope_q(user, Action.VIEW_CASES, path="region_path", building="", household="")
    return Case.objects.filter(scope | Q(reporter=user)).select_related(
        "category", "limit", "handling_region", "micro_grid"
    )


def get_case_for_user(user, pk: object) -> Case:
    return get_or_404(cases_for_user(user), pk)


def todo_for_user(user) -> QuerySet[Case]:
    """待办: open cases handled right now at a node the user acts for."""
    from weiwang.access import grants_for

    regions = [g.region_id for g in grants_for(user)]
    return (
        cases_for_user(user)
        .filter(handling_region_id__in=regions, state__in=OPEN_STATES)
        .order_by("deadline")
    )


def filter_cases(queryset: QuerySet[Case], params) -> QuerySet[Case]:
    """The list filters: state, tier, category, grade, overdue, source, region, words."""
    if params.get("state") == "open":
        queryset = queryset.filter(state__in=OPEN_STATES)
    elif params.get("state") in CaseState.values:
        queryset = queryset.filter(state=params["state"])
    for field in ("tier", "source"):
        if params.get(field):
            queryset = queryset.filter(**{field: params[field]})
    if str(params.get("category", "")).isdigit():
        queryset = queryset.filter(category_id=int(params["category"]))
    if str(params.get("limit", "")).isdigit():
        queryset = queryset.filter(limit_id=int(params["limit"]))
    if params.get("overdue") == "1":
        queryset = queryset.filter(overdue=True, state__in=OPEN_STATES)
    if params.get("supervised") == "1":
        queryset = queryset.filter(supervised=True)
    if params.get("region_path"):
        queryset = queryset.filter(region_path__startswith=params["region_path"])
    words = str(params.get("q", "")).strip()
    if words:
        queryset = queryset.filter(
            Q(number=words) | Q(title__contains=words) | Q(description__contains=words)
        )
    return queryset


def similar_open_cases(user, *, building=None, estate=None, words: str = "") -> list[Case]:
    """Open cases at the same building or estate, most alike in words first: a reporter may
    join one instead of reporting it twice."""
    place = Q()
    if building is not None:
        place |= Q(building=building)
    if estate is not None:
        place |= Q(estate=estate)
    if not place:
        return []
    candidates = list(
        Case.objects.filter(place, state__in=OPEN_STATES).select_related("category")[:50]
    )
    chars = {c for c in words if not c.isspace()}

    def likeness(case: Case) -> float:
        text = set(case.title + case.description)
        return len(chars & text) / (len(chars | text) or 1)

    ranked = sorted(candidates, key=likeness, reverse=True)
    return [c for c in ranked if likeness(c) >= 0.15 or not chars][:5]


def allowed_actions(user, case: Case) -> tuple[list[str], list[str]]:
    """(moves at the case's tier, moves from above) the user may offer on this case."""
    from weiwang.cases.workflow import ABOVE_ACTIONS, MOVES, STAFF_ACTIONS

    if not can(user, Action.HANDLE_CASES):
        return [], []
    same, above = actor_position(user, case)
    here = [a for a in STAFF_ACTIONS if same and case.state in MOVES[a].sources]
    if "escalate" in here and case.tier == "street":
        here.remove("escalate")
    if "hand_back" in here and case.tier == "micro_grid":
        here.remove("hand_back")
    over = [a for a in ABOVE_ACTIONS if above and case.state in MOVES[a].sources]
    return here, over


def active_categories() -> QuerySet[CaseCategory]:
    return CaseCategory.objects.filter(active=True).select_related("default_limit")
