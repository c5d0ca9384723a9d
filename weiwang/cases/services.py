"""Writes to cases: report, every move of the workflow, rating, and the periodic sweep."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import CAPABILITIES, Action, ScopeKind, grants_for
from weiwang.accounts.models import RoleAssignment
from weiwang.cases.calendar import deadline_for
from weiwang.cases.models import (
    OPEN_STATES,
    TIER_DEPTH,
    TIER_ORDER,
    Case,
    CaseCategory,
    CaseEvent,
    CaseSource,
    CaseState,
    Rating,
    Tier,
    TimeLimit,
)
from weiwang.cases.workflow import MOVES
from weiwang.core import crypto
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import mask_phone, normalise_phone
from weiwang.notices.services import notify
from weiwang.regions.models import Region, RegionLevel

RATING_DAYS = 7  # a resolved case nobody rates is archived after this many days
# Grant depth (segments of the region path: 1 district … 5 micro-grid) → the tier it acts as.
_TIER_OF_DEPTH = {1: Tier.STREET, 2: Tier.STREET, 3: Tier.COMMUNITY, 4: Tier.GRID}
_TIER_OF_DEPTH[5] = Tier.MICRO_GRID
RESIDENT_SOURCES = {CaseSource.RESIDENT, CaseSource.ANONYMOUS, CaseSource.HOTLINE}
RESIDENT_SOURCES |= {CaseSource.OPEN311}


def _path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/")]


def handling_region_id(micro_grid_path: str, tier: str) -> int:
    return _path_ids(micro_grid_path)[TIER_DEPTH[tier]]


def _tier_path(micro_grid_path: str, tier: str) -> str:
    ids = _path_ids(micro_grid_path)[: TIER_DEPTH[tier] + 1]
    return "/" + "/".join(map(str, ids)) + "/"


def actor_position(user, case: Case) -> tuple[bool, str | None]:
    """Whether the user handles the case at its current tier, and the highest tier above it
    from which the user may supervise or pull it up (None if none)."""
    here = _tier_path(case.region_path, case.tier)
    same, above = False, None
    for grant in grants_for(user):
        role_kind, actions = CAPABILITIES[grant.role]
        if Action.HANDLE_CASES not in actions or role_kind is not ScopeKind.SUBTREE:
            continue
        if not case.region_path.startswith(grant.region_path):
            continue
        depth = grant.region_path.strip("/").count("/") + 1
        tier = _TIER_OF_DEPTH[depth]
        rank = TIER_ORDER.index(tier)
        if grant.region_path == here or (case.tier == Tier.STREET and depth == 1):
            same = True
        elif (
            here.startswith(grant.region_path)
            and rank > TIER_ORDER.index(case.tier)
            and (above is None or rank > TIER_ORDER.index(above))
        ):
            above = tier
    return same, above


def handlers_of(region_id: int) -> list:
    """The staff who act for a region node (its case handlers)."""
    roles = [r for r, (_k, actions) in CAPABILITIES.items() if Action.HANDLE_CASES in actions]
    assignments = RoleAssignment.objects.filter(region_id=region_id, role__in=roles)
    return [a.user for a in assignments.select_related("user")]


def _case_url(case: Case) -> str:
    return reverse("case_detail", args=[case.pk])


@transaction.atomic
def case_report(
    *,
    actor,
    category: CaseCategory,
    description: str,
    micro_grid: Region,
    source: str,
    limit: TimeLimit | None = None,
    title: str = "",
    estate=None,
    building=None,
    dwelling=None,
    place: str = "",
    latitude=None,
    longitude=None,
    people_involved: str = "",
    reporter_name: str = "",
    reporter_phone: str = "",
    external_number: str = "",
    with_retrieval_code: bool = False,
    reporter=None,
    now: dt.datetime | None = None,
) -> tuple[Case, str]:
    """Register a case at its category's default tier over `micro_grid` (which came through
    the access layer, or from a public place code). `reporter` is the resident a worker
    registers it for (who will rate it); by default whoever reports it. Returns the case and,
    for anonymous reporters, the retrieval code they alone will know (empty otherwise)."""
    description = description.strip()
    if not description:
        raise ApplicationError(_("请写下发生了什么。"), code="description_required")
    if micro_grid.level != RegionLevel.MICRO_GRID:
        raise ApplicationError(_("事件必须落在一个微网格。"), code="case_micro_grid")
    if not category.active:
        raise ApplicationError(_("这个分类已停用,请换一个。"), code="category_inactive")
    phone = normalise_phone(reporter_phone) if reporter_phone.strip() else ""
    limit = limit or category.default_limit
    received = now or timezone.now()
    deadline, unconfirmed = deadline_for(received, limit.amount, limit.unit)
    code = f"{secrets.randbelow(10**6):06d}" if with_retrieval_code else ""
    case = Case.objects.create(
        number=f"tmp-{secrets.token_hex(6)}",
        title=(title.strip() or description.splitlines()[0])[:60],
        description=description,
        category=category,
        limit=limit,
        source=source,
        external_number=external_number.strip()[:40],
        micro_grid=micro_grid,
        region_path=micro_grid.path,
        estate=estate,
        building=building,
        dwelling=dwelling,
        place=place.strip()[:200],
        latitude=latitude,
        longitude=longitude,
        people_involved=people_involved.strip()[:200],
        tier=category.default_tier,
        handling_region_id=handling_region_id(micro_grid.path, category.default_tier),
        reporter=reporter or (actor if getattr(actor, "is_authenticated", False) else None),
        reporter_name=reporter_name.strip()[:50],
        reporter_phone_encrypted=crypto.encrypt(phone) if phone else "",
        reporter_phone_masked=mask_phone(phone) if phone else "",
        retrieval_code_hash=make_password(code) if code else "",
        deadline=deadline,
        deadline_unconfirmed=unconfirmed,
    )
    if now is not None:  # demo data and tests back-date a case
        Case.objects.filter(pk=case.pk).update(created_at=now)
        case.created_at = now
    case.number = f"SJ{timezone.localtime(received):%y%m%d}{case.pk:05d}"
    case.save(update_fields=["number"])
    _record(case, "report", actor, "", CaseState.PENDING, "", case.tier, "", at=now)
    notify(
        users=handlers_of(case.handling_region_id),
        title=_("新事件待受理:%(title)s") % {"title": case.title},
        url=_case_url(case),
    )
    return case, code


def _record(case, action, actor, from_state, to_state, from_tier, to_tier, note, at=None):
    event = CaseEvent.objects.create(
        case=case,
        action=action,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        from_state=from_state,
        to_state=to_state,
        from_tier=from_tier,
        to_tier=to_tier,
        note=note[:500],
    )
    if at is not None:
        CaseEvent.objects.filter(pk=event.pk).update(created_at=at)
    return event


def _step_tier(tier: str, step: int) -> str | None:
    index = TIER_ORDER.index(tier) + step
    return TIER_ORDER[index] if 0 <= index < len(TIER_ORDER) else None


@transaction.atomic
def case_act(
    *,
    actor,
    case: Case,
    action: str,
    version: int | None,
    note: str = "",
    merge_into: Case | None = None,
    now: dt.datetime | None = None,
) -> Case:
    """Make one move of the workflow. `case` came through the access layer; `version` is the
    one the actor saw: if somebody acted since, the move is refused and nothing is lost."""
    move = MOVES.get(action)
    if move is None or move.who in ("system", "reporter"):
        raise ApplicationError(_("没有这个操作。"), code="unknown_action")
    case = Case.objects.select_for_update().select_related("category").get(pk=case.pk)
    if version is not None and case.version != version:
        raise ApplicationError(
            _("这件事刚刚有人处理过(现在是“%(state)s”),请刷新页面看最新情况后再操作。")
            % {"state": case.get_state_display()},
            code="conflict",
        )
    if case.state not in move.sources:
        raise ApplicationError(
            _("事件现在是“%(state)s”,不能“%(action)s”。")
            % {"state": case.get_state_display(), "action": move.label},
            code="state",
        )
    same, above = actor_position(actor, case)
    if (move.who == "tier" and not same) or (move.who == "above" and above is None):
        raise ApplicationError(
            _("这件事现在由%(tier)s处理,您不能“%(action)s”。")
            % {"tier": case.get_tier_display(), "action": move.label},
            code="tier",
        )
    note = note.strip()
    if move.note_required and not note:
        raise ApplicationError(_("请写明理由或处理情况。"), code="note_required")
    from_state, from_tier = case.state, case.tier
    at = now or timezone.now()
    notify_region = None
    if action == "escalate":
        upper = _step_tier(case.tier, 1)
        if upper is None:
            raise ApplicationError(_("已经是最高层级,不能再上报。"), code="top_tier")
        _move_to_tier(case, upper)
        notify_region = case.handling_region_id
    elif action == "hand_back":
        lower = _step_tier(case.tier, -1)
        if lower is None:
            raise ApplicationError(_("已经是最低层级,不能再退回。"), code="bottom_tier")
        _move_to_tier(case, lower)
        notify_region = case.handling_region_id
    elif action == "pull_up":
        notify_region = case.handling_region_id  # tell those who had it
        _move_to_tier(case, above)
    elif action == "supervise":
        case.supervised = True
        notify_region = case.handling_region_id
    elif action == "merge":
        if merge_into is None or merge_into.pk == case.pk or not merge_into.is_open:
            raise ApplicationError(_("请选择一件仍在办理中的事件来合并。"), code="merge_target")
        case.merged_into = merge_into
        case.closed_at = at
    elif action == "resolve":
        case.resolved_at = at
        if case.source in RESIDENT_SOURCES:
            case.state = CaseState.AWAITING_RATING
        else:
            case.state = CaseState.RESOLVED
            case.closed_at = at
    elif action == "reject":
        case.closed_at = at
    if move.target is not None:
        case.state = move.target
    case.version += 1
    case.save()
    _record(case, action, actor, from_state, case.state, from_tier, case.tier, note, at=now)
    _notify_after(case, action, notify_region, note)
    return case


def _move_to_tier(case: Case, tier: str) -> None:
    case.tier = tier
    case.handling_region_id = handling_region_id(case.region_path, tier)


def _notify_after(case: Case, action: str, region_id: int | None, note: str) -> None:
    titles = {
        "escalate": _("事件已上报到您这里:%(title)s"),
        "hand_back": _("事件已退回您处理:%(title)s"),
        "pull_up": _("上级已提级办理:%(title)s"),
        "supervise": _("上级督办:%(title)s"),
        "resolve": _("您反映的事已办结,请评价:%(title)s"),
        "reject": _("您反映的事不予受理:%(title)s"),
    }
    if action not in titles:
        return
    title = titles[action] % {"title": case.title}
    if action in ("resolve", "reject"):
        followers = [f.user for f in case.followers.select_related("user")]
        notify(users=[case.reporter, *followers], title=title, url=_case_url(case))
    elif region_id is not None:
        notify(users=handlers_of(region_id), title=title, url=_case_url(case))


@transaction.atomic
def case_close_by_decision(*, case: Case, note: str, actor=None, now=None) -> Case:
    """A case taken to 有事好商量 is closed by the published vote, with a link to the result."""
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state not in MOVES["decided"].sources:
        return case
    at = now or timezone.now()
    from_state = case.state
    case.state, case.resolved_at, case.closed_at = CaseState.RESOLVED, at, at
    case.version += 1
    case.save()
    _record(case, "decided", actor, from_state, case.state, case.tier, case.tier, note, at=now)
    notify(users=[case.reporter], title=note[:200], url=_case_url(case))
    return case


def case_follow(*, user, case: Case) -> bool:
    """Join an open case (the same problem, reported by someone else). Returns whether the
    user was not following it yet."""
    from weiwang.cases.models import CaseFollower

    _follower, created = CaseFollower.objects.get_or_create(case=case, user=user)
    return created


def retrieval_code_matches(case: Case, code: str) -> bool:
    return bool(case.retrieval_code_hash) and check_password(code.strip(), case.retrieval_code_hash)


@transaction.atomic
def case_rate(
    *, case: Case, rating: str, comment: str = "", rater=None, now: dt.datetime | None = None
) -> Case:
    """The reporter's rating of a resolved case. 不满意 reopens it one tier up."""
    if rating not in Rating.values:
        raise ApplicationError(_("请选择满意、基本满意或不满意。"), code="rating")
    case = Case.objects.select_for_update().get(pk=case.pk)
    if case.state != CaseState.AWAITING_RATING:
        raise ApplicationError(_("这件事现在不需要评价。"), code="state")
    case.rating, case.rating_comment = rating, comment.strip()[:300]
    from_state, from_tier = case.state, case.tier
    at = now or timezone.now()
    if rating == Rating.DISSATISFIED:
        _move_to_tier(case, _step_tier(case.tier, 1) or case.tier)
        case.state = CaseState.REOPENED
        limit = case.limit
        case.deadline, case.deadline_unconfirmed = deadline_for(at, limit.amount, limit.unit)
        case.overdue, case.resolved_at = False, None
        notify(
            users=handlers_of(case.handling_region_id),
            title=_("居民不满意,重新办理:%(title)s") % {"title": case.title},
            url=_case_url(case),
        )
    else:
        case.state, case.closed_at = CaseState.ARCHIVED, at
    case.version += 1
    case.save()
    note = f"{Rating(rating).label} {case.rating_comment}".strip()
    _record(case, "rate", rater, from_state, case.state, from_tier, case.tier, note, at=now)
    return case


def cases_sweep(*, now: dt.datetime | None = None, batch: int = 1000) -> dict[str, int]:
    """The periodic job: mark overdue cases (reading open, unmarked cases by their deadline
    index only), tell their handlers and the tier above, escalate where the category says so;
    archive resolved cases nobody rated within RATING_DAYS. Safe to run twice, and by two
    workers at once (rows being handled by one are skipped by the other)."""
    now = now or timezone.now()
    counts = {"overdue": 0, "escalated": 0, "archived": 0}
    handlers: dict[int, list] = {}
    due = Case.objects.filter(state__in=OPEN_STATES, overdue=False, deadline__lt=now)
    while True:
        with transaction.atomic():
            chunk = list(
                due.select_for_update(skip_locked=True, of=("self",))
                .select_related("category")
                .order_by("deadline")[:batch]
            )
            if not chunk:
                break
            Case.objects.filter(pk__in=[c.pk for c in chunk]).update(overdue=True)
            CaseEvent.objects.bulk_create(
                CaseEvent(case=c, action="overdue", from_state=c.state, to_state=c.state)
                for c in chunk
            )
            _overdue_chunk(chunk, handlers, counts)
            counts["overdue"] += len(chunk)
    stale = Case.objects.filter(
        state=CaseState.AWAITING_RATING, resolved_at__lt=now - dt.timedelta(days=RATING_DAYS)
    )
    for case in stale.iterator():
        with transaction.atomic():
            updated = Case.objects.filter(pk=case.pk, state=CaseState.AWAITING_RATING).update(
                state=CaseState.ARCHIVED, closed_at=now, version=case.version + 1
            )
            if updated:
                _record(
                    case, "archive", None, CaseState.AWAITING_RATING, CaseState.ARCHIVED, "", "", ""
                )
                counts["archived"] += 1
    return counts


def _overdue_chunk(chunk: list[Case], handlers: dict[int, list], counts: dict[str, int]) -> None:
    """Notify the handlers and the tier above of each overdue case (one insert for the chunk)
    and escalate the cases whose category says so."""
    from weiwang.notices.models import Notification

    def people(region_id: int | None) -> list:
        return handlers.get(region_id, []) if region_id is not None else []

    places = []
    for case in chunk:
        upper_tier = _step_tier(case.tier, 1)
        upper = handling_region_id(case.region_path, upper_tier) if upper_tier else None
        places.append((case, upper_tier, upper))
    wanted = {r for c, _t, u in places for r in (c.handling_region_id, u)} - set(handlers)
    wanted.discard(None)
    roles = [r for r, (_k, actions) in CAPABILITIES.items() if Action.HANDLE_CASES in actions]
    for region_id in wanted:
        handlers[region_id] = []
    for assignment in RoleAssignment.objects.filter(
        region_id__in=wanted, role__in=roles
    ).select_related("user"):
        handlers[assignment.region_id].append(assignment.user)
    url_pattern = reverse("case_detail", args=[0]).replace("/0/", "/{}/")
    messages, climbing = [], []
    for case, upper_tier, upper in places:
        title = (_("事件已超时:%(title)s") % {"title": case.title})[:200]
        url = url_pattern.format(case.pk)
        users = {u.pk: u for u in people(case.handling_region_id) + people(upper)}
        messages += [Notification(user=u, title=title, url=url) for u in users.values()]
        if case.category.auto_escalate and upper_tier is not None:
            climbing.append((case, upper_tier))
    Notification.objects.bulk_create(messages)
    events = []
    for case, upper_tier in climbing:
        from_state, from_tier = case.state, case.tier
        _move_to_tier(case, upper_tier)
        Case.objects.filter(pk=case.pk).update(
            tier=case.tier,
            handling_region_id=case.handling_region_id,
            state=CaseState.REPORTED,
            version=case.version + 1,
        )
        events.append(
            CaseEvent(
                case=case,
                action="auto_escalate",
                from_state=from_state,
                to_state=CaseState.REPORTED,
                from_tier=from_tier,
                to_tier=case.tier,
            )
        )
    CaseEvent.objects.bulk_create(events)
    counts["escalated"] += len(events)
