from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import transaction

from weiwang.accounts.models import User
from weiwang.core import crypto
from weiwang.core.identity import parse_id_number
from weiwang.people.models import PopulationTag, Resident, ResidentTag
from weiwang.people.seeding import build_area
from weiwang.regions.models import Region, RegionLevel


def _fingerprint() -> list[tuple]:
    return list(
        Resident.objects.order_by("id").values_list("name", "sex", "birth_date", "id_number_index")
    )


def _build_and_roll_back(seed: int) -> list[tuple]:
    with transaction.atomic():
        build_area(seed=seed, residents=600)
        fingerprint = _fingerprint()
        transaction.set_rollback(True)
    return fingerprint


def test_same_seed_gives_the_same_people(db):
    first = _build_and_roll_back(7)
    assert len(first) == 600
    assert _build_and_roll_back(7) == first
    assert _build_and_roll_back(8) != first


@pytest.fixture
def demo(db):
    out = io.StringIO()
    call_command("seed_demo", "--residents", "3000", "--seed", "3", stdout=out)
    return out.getvalue()


def _check_demo_has_the_community_grids_logins_and_zhang_san(demo):
    community = Region.objects.get(name="兴乐社区")
    grids = list(community.children.order_by("code"))
    assert len(grids) == 5
    assert "红星小区" in grids[0].name and "汉嘉国际社区" in grids[1].name
    assert Resident.objects.count() == 3000
    zhang = Resident.objects.get(name="张三")
    assert zhang.id_number_masked == "5101**********1234"
    assert zhang.region_path.startswith(grids[0].path)
    usernames = set(User.objects.values_list("username", flat=True))
    assert {"district_admin", "street_admin", "community_staff", "micro1", "resident1"} <= usernames
    assert {f"grid{i}" for i in range(1, 6)} <= usernames
    resident1 = User.objects.get(username="resident1")
    assert resident1.resident.household_id == zhang.household_id
    assert "Seeded 3000 residents" in demo


def _check_demo_ids_are_valid_and_unique_and_match_sex_and_birth(demo):
    sample = Resident.objects.all()
    for resident in sample:
        facts = parse_id_number(crypto.decrypt(resident.id_number_encrypted))
        assert facts.sex == resident.sex and facts.birth_date == resident.birth_date
    assert Resident.objects.values("id_number_index").distinct().count() == Resident.objects.count()


def _check_micro_grids_hold_thirty_to_a_hundred_households(demo):
    micro_grids = Region.objects.filter(level=RegionLevel.MICRO_GRID)
    sizes = [m.household_count for m in micro_grids]
    within = [s for s in sizes if 30 <= s <= 100]
    assert len(within) >= 0.8 * len(sizes)


def _check_tags_are_editable_data_with_reasons(demo):
    assert PopulationTag.objects.filter(name="独居老人", sensitive=False).exists()
    assert all(tag.purpose for tag in PopulationTag.objects.all())
    assert ResidentTag.objects.filter(tag__code="living_alone_elderly").exists()


def _check_seed_demo_refuses_a_database_with_data_unless_told_if_empty(demo):
    with pytest.raises(CommandError):
        call_command("seed_demo", stdout=io.StringIO())
    out = io.StringIO()
    call_command("seed_demo", "--if-empty", stdout=out)
    assert "already has data" in out.getvalue()


def test_larger_areas_get_more_communities_and_streets(db):
    report, _area = build_area(seed=1, residents=40_000)
    assert report.residents == 40_000
    assert Region.objects.filter(level=RegionLevel.COMMUNITY).count() == 3
    assert Region.objects.get(level=RegionLevel.DISTRICT).resident_count == 40_000


def _check_demo_logins_command_lists_them(demo):
    out = io.StringIO()
    call_command("demo_logins", stdout=out)
    assert "weiwang-demo" in out.getvalue() and "grid1" in out.getvalue()


def _people_set() -> list[tuple]:
    return sorted(
        Resident.objects.values_list("name", "sex", "birth_date", "id_number_index", "region_path")
        .order_by()
        .distinct()
    )


@pytest.mark.django_db(transaction=True)
def test_parallel_workers_write_the_same_people_as_one_process():
    """On PostgreSQL the second run forks two worker processes; the result must not change."""
    from django.core.management import call_command as run

    build_area(seed=5, residents=36_000, workers=1)
    one = _people_set()
    assert len(one) == 36_000
    run("flush", interactive=False, verbosity=0)
    report, _area = build_area(seed=5, residents=36_000, workers=2)
    assert report.residents == 36_000
    two = _people_set()
    # Region paths hold ids, which depend on the order the workers finish in; compare the rest.
    assert [row[:4] for row in two] == [row[:4] for row in one]
    assert Resident.objects.values("id_number_index").distinct().count() == 36_000


def _check_demo_has_a_year_of_cases_and_the_garbage_bin_story(demo):
    from weiwang.cases.models import Case, CaseState

    assert Case.objects.count() > 300
    assert Case.objects.filter(state__in=["pending", "accepted", "in_progress"]).exists()
    assert Case.objects.exclude(rating="").exists()
    story = Case.objects.get(title__startswith="汉嘉国际社区垃圾桶摆放")
    assert story.created_at.year == 2022 and story.state == CaseState.RESOLVED
    assert story.tier == "community"
    moves = list(story.events.values_list("action", flat=True))
    assert "escalate" in moves and moves[-1] == "decided"
    assert "表决结果" in story.events.last().note
    from weiwang.deliberation.models import Vote

    vote = Vote.objects.get(topic__case=story)
    assert vote.status == "closed" and vote.result["passed"] and vote.result["voted"] > 0
    assert vote.topic.meetings.get().minutes


def _check_demo_has_two_funded_micro_projects(demo):
    from weiwang.deliberation.models import Project

    funded = Project.objects.filter(status="accepted").order_by("id")
    assert [p.title for p in funded] == ["修补红星小区破损步道", "安装健身器材"]
    assert all(p.spending.count() == 2 and p.steps.count() == 5 for p in funded)
    assert Project.objects.get(title="增设休闲座椅").status == "not_selected"
    assert Project.objects.get(title="补贴住户物业费").status == "refused"


def _check_demo_has_a_year_of_visits_with_gaps(demo):
    from weiwang.people.models import Resident
    from weiwang.visits.models import Visit
    from weiwang.visits.services import due_for

    assert Visit.objects.count() > 100
    rows = due_for(Resident.objects.all())
    assert any(r.overdue for r in rows) and any(not r.overdue for r in rows)


def _check_has_the_two_campaigns_and_a_past_emergency():
    from weiwang.emergency.models import Emergency, HelpRequest
    from weiwang.surveys.models import Campaign, SurveyTask

    spring = Campaign.objects.get(title="2026 年春节返乡人员摸排")
    sports = Campaign.objects.get(title="居民运动偏好调查")
    assert spring.status == "closed" and sports.status == "open"
    done = SurveyTask.objects.filter(campaign=spring).exclude(answered_at=None).count()
    assert 0.85 * spring.task_count <= done < spring.task_count
    assert SurveyTask.objects.filter(campaign=sports).exclude(answered_at=None).exists()
    past = Emergency.objects.get()
    assert past.ended_at and past.summary and past.sweep.status == "closed"
    assert HelpRequest.objects.filter(emergency=past, status="confirmed").count() == 8
    assert past.started_at < past.ended_at


def _check_has_the_lantern_festival_activity_with_check_ins_and_points():
    from weiwang.volunteers.models import Activity, PointEntry, Reward, Signup

    lantern = Activity.objects.get(title="元宵节送汤圆")
    signups = Signup.objects.filter(shift__activity=lantern)
    assert signups.filter(status="waitlisted").exists()
    assert signups.exclude(checked_out_at=None).count() >= 20
    assert PointEntry.objects.filter(signup__shift__activity=lantern).count() >= 20
    assert Reward.objects.count() == 3
    assert Activity.objects.filter(status="open", starts_at__gt=lantern.starts_at).exists()


def _check_has_groups_with_hundreds_of_members_and_venue_bookings():
    from weiwang.interest_groups.models import Booking, InterestGroup, Membership, Venue

    assert set(InterestGroup.objects.values_list("kind", flat=True)) == {
        "dance",
        "table_tennis",
        "frisbee",
        "basketball",
    }
    assert Membership.objects.filter(status="member").count() >= 300
    assert Venue.objects.filter(name__startswith="香城体育公园").count() == 3
    assert Booking.objects.filter(status="approved").count() >= 3


def _check_party_figures_come_from_the_records():
    from weiwang.party.models import Need
    from weiwang.party.selectors import figures

    community = Region.objects.get(name="兴乐社区")
    found = figures(community)
    assert (found.members, found.dual, found.organisations) == (121, 119, 5)
    assert found.shown >= 80
    assert (
        Need.objects.filter(status="rated").exists() and Need.objects.filter(status="open").exists()
    )


def _check_grid_groups_reach_about_nine_in_ten_and_notices_are_in_every_state():
    from weiwang.notices.models import Notice, Notification
    from weiwang.notices.selectors import coverage

    _rows, total = coverage(Region.objects.get(name="兴乐社区"))
    assert 85 <= total.percent <= 95
    assert set(Notice.objects.values_list("status", flat=True)) == {"published", "draft", "review"}
    assert Notification.objects.filter(notice__status="published").exists()


def test_the_demo_holds_the_reports_community_and_its_stories(demo):
    """One demo build for every check of the demo (each build takes 10–20 s on PostgreSQL)."""
    _check_demo_has_the_community_grids_logins_and_zhang_san(demo)
    _check_demo_ids_are_valid_and_unique_and_match_sex_and_birth(demo)
    _check_micro_grids_hold_thirty_to_a_hundred_households(demo)
    _check_tags_are_editable_data_with_reasons(demo)
    _check_seed_demo_refuses_a_database_with_data_unless_told_if_empty(demo)
    _check_demo_logins_command_lists_them(demo)
    _check_demo_has_a_year_of_cases_and_the_garbage_bin_story(demo)
    _check_demo_has_two_funded_micro_projects(demo)
    _check_demo_has_a_year_of_visits_with_gaps(demo)
    _check_has_the_two_campaigns_and_a_past_emergency()
    _check_has_the_lantern_festival_activity_with_check_ins_and_points()
    _check_has_groups_with_hundreds_of_members_and_venue_bookings()
    _check_party_figures_come_from_the_records()
    _check_grid_groups_reach_about_nine_in_ten_and_notices_are_in_every_state()
    _check_the_dashboard_has_every_region_outlined_and_agrees_with_the_pages()


def _check_the_dashboard_has_every_region_outlined_and_agrees_with_the_pages():
    from weiwang.dashboards.models import Boundary, RegionDaily
    from weiwang.notices.selectors import coverage
    from weiwang.party.selectors import figures

    community = Region.objects.get(name="兴乐社区")
    assert Boundary.objects.count() == Region.objects.count()
    row = RegionDaily.objects.filter(region=community).latest("day").values
    party = figures(community)
    assert (row["party_members"], row["party_shown"], row["party_dual"]) == (
        party.members,
        party.shown,
        party.dual,
    )
    _rows, total = coverage(community)
    assert row.group_coverage == round(100 * total.reached / total.residents)
    assert row["cases_received"] > 500 and row["case_category.1"] >= 0
    assert sum(row.of("case_week").values()) > 0
