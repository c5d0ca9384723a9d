"""Every move per tier and role: who may act on a case at each tier, which states allow which
move, conflicts between two people acting at once."""

from __future__ import annotations

import pytest

from weiwang.cases.models import Case, CaseEvent, CaseSource, CaseState, Tier
from weiwang.cases.services import actor_position, case_act, case_rate
from weiwang.core.errors import ApplicationError
from weiwang.notices.models import Notification

ALL = [
    "micro_grid_worker",
    "grid_worker",
    "grid_worker2",
    "community_worker",
    "street_admin",
    "district_admin",
    "building_head",
    "resident",
    "nobody",
]
# For a case in M1 handled at each tier: persona → (acts at that tier, tier it acts from above).
POSITIONS = {
    Tier.MICRO_GRID: {
        "micro_grid_worker": (True, None),
        "grid_worker": (False, Tier.GRID),
        "community_worker": (False, Tier.COMMUNITY),
        "street_admin": (False, Tier.STREET),
        "district_admin": (False, Tier.STREET),
    },
    Tier.GRID: {
        "grid_worker": (True, None),
        "community_worker": (False, Tier.COMMUNITY),
        "street_admin": (False, Tier.STREET),
        "district_admin": (False, Tier.STREET),
    },
    Tier.COMMUNITY: {
        "community_worker": (True, None),
        "street_admin": (False, Tier.STREET),
        "district_admin": (False, Tier.STREET),
    },
    Tier.STREET: {"street_admin": (True, None), "district_admin": (True, None)},
}


def _at_tier(case: Case, tier: str) -> Case:
    from weiwang.cases.services import handling_region_id

    case.tier = tier
    case.handling_region_id = handling_region_id(case.region_path, tier)
    case.save()
    return case


@pytest.mark.parametrize("tier", list(POSITIONS))
def test_who_acts_at_each_tier_and_who_from_above(world, report, tier):
    case = _at_tier(report(), tier)
    for persona in ALL:
        expected = POSITIONS[tier].get(persona, (False, None))
        assert actor_position(world.users[persona], case) == expected, persona


def _act(world, case, persona, action, note="理由", **extra):
    case.refresh_from_db()
    return case_act(
        actor=world.users[persona],
        case=case,
        action=action,
        version=case.version,
        note=note,
        **extra,
    )


def _refused(world, case, persona, action, code, note="理由"):
    with pytest.raises(ApplicationError) as caught:
        _act(world, case, persona, action, note=note)
    assert caught.value.code == code, caught.value.message


def test_a_case_climbs_from_micro_grid_to_community_and_comes_back(world, report):
    case = report()
    assert (case.state, case.tier) == (CaseState.PENDING, Tier.MICRO_GRID)
    _refused(world, case, "grid_worker", "accept", "tier")  # not the grid's case yet
    _act(world, case, "micro_grid_worker", "accept")
    _refused(world, case, "micro_grid_worker", "escalate", "note_required", note="  ")
    _act(world, case, "micro_grid_worker", "escalate", note="涉及多个楼栋,需网格协调")
    case.refresh_from_db()
    assert (case.state, case.tier) == (CaseState.REPORTED, Tier.GRID)
    assert case.handling_region_id == world.regions["G1"].pk
    _refused(world, case, "micro_grid_worker", "accept", "tier")  # it left the micro-grid
    _act(world, case, "grid_worker", "escalate", note="需社区统筹")
    _act(world, case, "community_worker", "hand_back", note="网格先行处置")
    case.refresh_from_db()
    assert (case.state, case.tier) == (CaseState.PENDING, Tier.GRID)
    _refused(world, case, "grid_worker", "resolve", "state")  # must accept first
    _act(world, case, "grid_worker", "accept")
    _act(world, case, "grid_worker", "start", note="")
    _act(world, case, "grid_worker", "resolve", note="已清理")
    case.refresh_from_db()
    # Found by a worker: closed on resolving, no rating to wait for.
    assert case.state == CaseState.RESOLVED and case.closed_at is not None
    actions = list(CaseEvent.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        "report",
        "accept",
        "escalate",
        "escalate",
        "hand_back",
        "accept",
        "start",
        "resolve",
    ]
    assert Notification.objects.filter(user=world.users["community_worker"]).exists()


def test_the_top_and_bottom_tiers_cannot_be_passed(world, report):
    case = _at_tier(report(), Tier.STREET)
    _refused(world, case, "street_admin", "escalate", "top_tier")
    case = report()
    _refused(world, case, "micro_grid_worker", "hand_back", "bottom_tier")


def test_a_higher_tier_pulls_a_case_up_and_supervises(world, report):
    case = report()
    _refused(world, case, "micro_grid_worker", "supervise", "tier")  # not from above
    _act(world, case, "grid_worker", "supervise", note="请今天处理")
    case.refresh_from_db()
    assert case.supervised and case.tier == Tier.MICRO_GRID
    _act(world, case, "community_worker", "pull_up", note="社区统一协调")
    case.refresh_from_db()
    assert (case.state, case.tier) == (CaseState.ACCEPTED, Tier.COMMUNITY)
    _refused(world, case, "grid_worker", "pull_up", "tier")  # now below the case


def test_out_of_scope_staff_cannot_act(world, report):
    case = report()
    _refused(world, case, "grid_worker2", "accept", "tier")
    _refused(world, case, "grid_worker2", "supervise", "tier")
    _refused(world, case, "resident", "accept", "tier")


def test_reject_and_merge_close_a_case(world, report):
    first, second, third = report(), report(), report()
    _act(world, first, "micro_grid_worker", "reject", note="不属于社区职责")
    first.refresh_from_db()
    assert first.state == CaseState.REJECTED and not first.is_open
    _refused(world, first, "micro_grid_worker", "accept", "state")
    with pytest.raises(ApplicationError):
        _act(world, second, "micro_grid_worker", "merge", merge_into=first)  # closed target
    _act(world, second, "micro_grid_worker", "merge", merge_into=third)
    second.refresh_from_db()
    assert second.state == CaseState.MERGED and second.merged_into_id == third.pk


def test_two_people_acting_at_once_the_second_gets_a_conflict(world, report):
    case = report()
    seen = case.version
    case_act(actor=world.users["micro_grid_worker"], case=case, action="accept", version=seen)
    with pytest.raises(ApplicationError) as caught:
        case_act(
            actor=world.users["grid_worker"],
            case=case,
            action="supervise",
            version=seen,
            note="督办",
        )
    assert caught.value.code == "conflict" and "刷新" in caught.value.message
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and not case.supervised  # the first move stands


def test_unknown_and_system_moves_are_refused(world, report):
    case = report()
    for action in ("fly", "archive", "rate", "overdue", "auto_escalate"):
        _refused(world, case, "micro_grid_worker", action, "unknown_action")


def _resolved_resident_case(world, report):
    case = report(by="resident", source=CaseSource.RESIDENT, description="楼下噪音扰民")
    _act(world, case, "micro_grid_worker", "accept")
    _act(world, case, "micro_grid_worker", "resolve", note="已协调")
    case.refresh_from_db()
    return case


def test_a_resident_case_waits_for_the_rating_and_satisfied_archives_it(world, report):
    case = _resolved_resident_case(world, report)
    assert case.state == CaseState.AWAITING_RATING
    assert Notification.objects.filter(user=world.users["resident"]).exists()
    case = case_rate(case=case, rating="satisfied", comment="很及时", rater=world.users["resident"])
    assert case.state == CaseState.ARCHIVED and case.rating == "satisfied"
    with pytest.raises(ApplicationError):
        case_rate(case=case, rating="dissatisfied")


def test_dissatisfied_reopens_the_case_one_tier_up(world, report):
    case = _resolved_resident_case(world, report)
    case = case_rate(case=case, rating="dissatisfied", comment="还是很吵")
    assert (case.state, case.tier) == (CaseState.REOPENED, Tier.GRID)
    assert case.handling_region_id == world.regions["G1"].pk
    _act(world, case, "grid_worker", "accept")  # the grid takes it from here
    with pytest.raises(ApplicationError):
        case_rate(case=case, rating="bogus")
