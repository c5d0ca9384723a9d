"""Scoped reads of cases: staff see the cases of their region; residents the ones they
reported."""

from __future__ import annotations

from collections import Counter

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from weiwang.access import Action, can, get_or_404, grants_for, scope_q
from weiwang.cases.models import OPEN_STATES, Case, CaseCategory, CaseFollower, CaseState
from weiwang.cases.services import actor_position
from weiwang.core.errors import ApplicationError
from weiwang.regions.models import Building, Dwelling, Estate, Region
from weiwang.regions.selectors import dwellings_for_user


def cases_for_user(user) -> QuerySet[Case]:
    if not getattr(user, "is_authenticated", False):
        return Case.objects.none()
    scope = scope_q(user, Action.VIEW_CASES, path="region_path", building="", household="")
    followed = CaseFollower.objects.filter(user=user).values("case_id")
    return Case.objects.filter(scope | Q(reporter=user) | Q(pk__in=followed)).select_related(
        "category", "limit", "handling_region", "micro_grid"
    )


def get_case_for_user(user, pk: object) -> Case:
    return get_or_404(cases_for_user(user), pk)


def todo_for_user(user) -> QuerySet[Case]:
    """待办: open cases handled right now at a node the user acts for."""
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
    join one instead of reporting it twice. Staff see those in their scope; a resident (only
    ever asked about their own building or estate) sees their titles, to join one."""
    place = Q()
    if building is not None:
        place |= Q(building=building)
    if estate is not None:
        place |= Q(estate=estate)
    if not place:
        return []
    base = cases_for_user(user) if can(user, Action.HANDLE_CASES) else Case.objects.all()
    candidates = list(base.filter(place, state__in=OPEN_STATES).select_related("category")[:50])
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


def buildings_for_report(user):
    """Buildings a staff reporter may choose (any with a dwelling in their scope)."""
    visible = dwellings_for_user(user)
    return (
        Building.objects.filter(units__dwellings__in=visible)
        .select_related("estate")
        .distinct()
        .order_by("estate__name", "number")[:500]
    )


def _estate_place(user, estate_id: str):
    """An estate's common areas: the micro-grid of most of its dwellings the user looks after
    (their own micro-grid first)."""
    dwellings = dwellings_for_user(user).filter(
        unit__building__estate_id=int(estate_id) if estate_id.isdigit() else 0
    )
    grids = Counter(dwellings.values_list("micro_grid", flat=True))
    if not grids:
        raise ApplicationError(_("请从列表中选择楼栋或小区。"), code="building")
    mine = [g.region_id for g in grants_for(user)]
    chosen = next((g for g in grids if g in mine), None) or grids.most_common(1)[0][0]
    return Region.objects.get(pk=chosen), None, None, Estate.objects.get(pk=int(estate_id))


def places_for_report(user) -> list[tuple[str, str]]:
    """The choices of where: each estate's common areas, then its buildings."""
    choices: list[tuple[str, str]] = []
    current = None
    for building in buildings_for_report(user):
        if building.estate_id != current:
            current = building.estate_id
            choices.append(
                (f"e{current}", _("%(estate)s(公共区域)") % {"estate": building.estate.name})
            )
        choices.append((str(building.pk), str(building)))
    return choices


def own_dwelling(user) -> Dwelling | None:
    resident = getattr(user, "resident", None)
    if resident is None:
        return None
    return resident.household.dwelling


def report_place(user, data) -> tuple[Region, Building | None, Dwelling | None, Estate | None]:
    """Where a staff report happens: the room if given, else the building, else an estate's
    common areas ("e<id>"), else the reporter's own micro-grid."""
    building_id = str(data.get("building") or "")
    if building_id.startswith("e"):
        return _estate_place(user, building_id[1:])
    if building_id:
        building = (
            Building.objects.filter(
                pk=int(building_id), units__dwellings__in=dwellings_for_user(user)
            )
            .select_related("estate")
            .distinct()
            .first()
        )
        if building is None:
            raise ApplicationError(_("请从列表中选择楼栋。"), code="building")
        dwellings = dwellings_for_user(user).filter(unit__building=building)
        room = (data.get("room") or "").strip()
        if room:
            dwelling = dwellings.filter(room=room).select_related("micro_grid").first()
            if dwelling is None:
                raise ApplicationError(
                    _("%(building)s没有登记房号 %(room)s,请核对,或不填房号。")
                    % {"building": building, "room": room},
                    code="room",
                )
            return dwelling.micro_grid, building, dwelling, building.estate
        mine = [g.region_id for g in grants_for(user)]
        grids = Counter(dwellings.values_list("micro_grid", flat=True))
        preferred = next((g for g in grids if g in mine), None)
        chosen = preferred or building.micro_grid_id or grids.most_common(1)[0][0]
        return Region.objects.get(pk=chosen), building, None, building.estate
    micro = [g.region_id for g in grants_for(user) if g.region_path.strip("/").count("/") == 4]
    if len(micro) == 1:
        return Region.objects.get(pk=micro[0]), None, None, None
    raise ApplicationError(_("请选择发生在哪栋楼。"), code="place")


def account_at(dwelling: Dwelling):
    """The platform account of a resident living in the dwelling (the head's first), if any:
    who rates a case a worker registered for that household."""
    from weiwang.accounts.models import User

    return (
        User.objects.filter(resident__household__dwelling=dwelling, resident__status="current")
        .order_by("resident__relation_to_head", "pk")
        .first()
    )


def joinable_case(user, pk: object) -> Case:
    """An open case at the resident's own building or estate, which they may join."""
    home = own_dwelling(user)
    if home is None:
        raise Http404
    building = home.unit.building
    nearby = Case.objects.filter(state__in=OPEN_STATES).filter(
        Q(building=building) | Q(estate_id=building.estate_id)
    )
    return get_or_404(nearby, pk)
