"""The case workflow as data: every move, from which states, to which state, and who may make
it. `case_act` (services) checks a move against this table and the actor's tier."""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from weiwang.cases.models import OPEN_STATES, CaseState

S = CaseState


@dataclass(frozen=True)
class Move:
    label: str
    sources: frozenset[str]
    target: str | None  # None: the state stays, or the service decides (resolve, rate)
    # Who: "tier" = the tier now handling the case; "above" = any tier above it over this
    # place; "reporter" = the resident who reported it; "system" = the periodic jobs only.
    who: str
    note_required: bool = False
    tier_step: int = 0  # +1 up a tier, -1 down a tier


MOVES: dict[str, Move] = {
    "accept": Move(_("受理"), frozenset({S.PENDING, S.REPORTED, S.REOPENED}), S.ACCEPTED, "tier"),
    "start": Move(_("开始处置"), frozenset({S.ACCEPTED}), S.IN_PROGRESS, "tier"),
    "escalate": Move(
        _("上报上级"),
        frozenset({S.PENDING, S.ACCEPTED, S.IN_PROGRESS, S.REPORTED, S.REOPENED}),
        S.REPORTED,
        "tier",
        note_required=True,
        tier_step=1,
    ),
    "hand_back": Move(
        _("退回下级"),
        frozenset({S.PENDING, S.REPORTED, S.ACCEPTED}),
        S.PENDING,
        "tier",
        note_required=True,
        tier_step=-1,
    ),
    "resolve": Move(
        _("办结"), frozenset({S.ACCEPTED, S.IN_PROGRESS}), None, "tier", note_required=True
    ),
    "reject": Move(
        _("不予受理"),
        frozenset({S.PENDING, S.REPORTED}),
        S.REJECTED,
        "tier",
        note_required=True,
    ),
    "merge": Move(_("合并到其他事件"), frozenset(OPEN_STATES), S.MERGED, "tier"),
    "pull_up": Move(_("提级办理"), frozenset(OPEN_STATES), S.ACCEPTED, "above", note_required=True),
    "supervise": Move(_("督办"), frozenset(OPEN_STATES), None, "above", note_required=True),
    "rate": Move(_("评价"), frozenset({S.AWAITING_RATING}), None, "reporter"),
    "overdue": Move(_("超时"), frozenset(OPEN_STATES), None, "system"),
    "auto_escalate": Move(
        _("超时自动上报"), frozenset(OPEN_STATES), S.REPORTED, "system", tier_step=1
    ),
    "archive": Move(_("逾期未评价,自动归档"), frozenset({S.AWAITING_RATING}), S.ARCHIVED, "system"),
    "report": Move(_("上报"), frozenset(), S.PENDING, "system"),
    "decided": Move(
        _("经有事好商量表决办结"),
        frozenset({*OPEN_STATES, S.AWAITING_RATING, S.RESOLVED}),
        S.RESOLVED,
        "system",
    ),
}

# What staff are offered on a case page, in this order.
STAFF_ACTIONS = ["accept", "start", "resolve", "escalate", "hand_back", "reject", "merge"]
ABOVE_ACTIONS = ["pull_up", "supervise"]
