"""Dashboard figures: each equals a direct count over the rows, stays correct after new cases,
visits and moves (by the quick refresh as by the full run), and drilling down respects scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from weiwang.cases.models import OPEN_STATES, Case, CaseCategory
from weiwang.cases.services import case_report
from weiwang.dashboards.models import Figures, RegionDaily, StaleRegion
from weiwang.dashboards.services import aggregate_regions, refresh_stale
from weiwang.interest_groups.models import Membership
from weiwang.interest_groups.services import group_create
from weiwang.notices.models import GridGroup
from weiwang.party import services as party_services
from weiwang.party.models import PartyMember
from weiwang.people.models import Household, Resident, ResidentTag
from weiwang.regions.models import Region
from weiwang.visits.models import Visit, VisitRule, VisitTier
from weiwang.visits.services import coverage, visit_record
from weiwang.volunteers import services as volunteer_services
from weiwang.volunteers.models import Signup

LEVELS = ("D", "S", "C", "G1", "M1", "M1b", "C2", "G3")


def _figures(world, key) -> Figures:
    return RegionDaily.objects.get(region=world.regions[key], day=timezone.localdate()).values


def _report(world, micro="M1"):
    case, _code = case_report(
        actor=world.users["grid_worker"],
        category=CaseCategory.objects.first(),
        description="楼道堆放杂物",
        micro_grid=world.regions[micro],
        source="worker",
    )
    return case


def _direct(region) -> dict[str, int]:
    """The same figures counted straight over the rows under the region."""
    under = {"region_path__startswith": region.path}
    cases = Case.objects.filter(**under)
    micro = Region.objects.filter(path__startswith=region.path, level="micro_grid")
    households = {m.pk: Household.objects.filter(micro_grid=m).count() for m in micro}
    members = PartyMember.objects.filter(**under, relation="local")
    return {
        "households": Household.objects.filter(**under).count(),
        "residents": Resident.objects.filter(**under, status="current").count(),
        "micro_grids": micro.count(),
        "micro_grids_sized": sum(30 <= n <= 100 for n in households.values()),
        "grids": Region.objects.filter(path__startswith=region.path, level="grid").count(),
        "cases_received": cases.count(),
        "cases_open": cases.filter(state__in=OPEN_STATES).count(),
        "cases_resolved": cases.filter(state="resolved").count(),
        "rated_satisfied": cases.filter(rating="satisfied").count(),
        "party_members": members.count(),
        "party_shown": members.filter(identity_shown_on__isnull=False).count(),
        "party_dual": PartyMember.objects.filter(
            **under, relation="dual", dual_registered_on__isnull=False
        ).count(),
        "visits_this_month": Visit.objects.filter(**under).count(),
        "tag.advanced_age": ResidentTag.objects.filter(
            resident__region_path__startswith=region.path, tag__code="advanced_age"
        ).count(),
        "volunteer_minutes": Signup.objects.filter(
            shift__activity__region_path__startswith=region.path
        ).aggregate(n=Sum("minutes"))["n"]
        or 0,
        "groups": Membership.objects.filter(group__region_path__startswith=region.path)
        .values("group")
        .distinct()
        .count(),
        "group_members": Membership.objects.filter(
            group__region_path__startswith=region.path, status="member"
        ).count(),
        "grid_groups": GridGroup.objects.filter(**under).count(),
        "residents_in_groups": Resident.objects.filter(
            **under, status="current", household__grid_groups__isnull=False
        )
        .distinct()
        .count(),
    }


@pytest.fixture
def busy(world):
    """A little of everything the dashboard counts, in community C and beyond."""
    staff = world.users["community_worker"]
    tier, _created = VisitTier.objects.get_or_create(
        code="dash-often", defaults={"name": "经常", "interval_days": 7, "rank": 9}
    )
    VisitRule.objects.update_or_create(tag_code="advanced_age", defaults={"tier": tier})
    resolved = _report(world)
    Case.objects.filter(pk=resolved.pk).update(
        state="resolved", resolved_at=timezone.now(), rating="satisfied"
    )
    _report(world, "M2")
    _report(world, "M3")
    committee = party_services.organisation_create(
        actor=staff, region=world.regions["C"], level="committee"
    )
    branch = party_services.organisation_create(
        actor=staff, region=world.regions["G1"], level="branch"
    )
    member = party_services.member_register(
        actor=staff,
        organisation=branch,
        name="赵六",
        resident=world.residents["zhaoliu"],
        user=world.users["party_member"],
        serves=world.regions["M1b"],
    )
    party_services.identity_show(actor=staff, member=member)
    party_services.member_register(
        actor=staff, organisation=committee, name="钱七", relation="dual"
    )
    household = world.residents["zhangsan"].household
    visit_record(
        visitor=world.users["micro_grid_worker"],
        household=household,
        kind="home",
        visited_at=timezone.now() - dt.timedelta(hours=1),
        idempotency_key="dash-visit-0001",
    )
    start = timezone.now() + dt.timedelta(hours=5)
    activity = volunteer_services.activity_create(
        actor=staff,
        community=world.regions["C"],
        title="清理楼道",
        place="红星小区",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        shifts=[("上午", start, start + dt.timedelta(hours=3), 5)],
    )
    signup = volunteer_services.signup_create(
        volunteer=world.users["resident"], shift=activity.shifts.get()
    )
    Signup.objects.filter(pk=signup.pk).update(minutes=150)
    club = group_create(
        actor=staff,
        community=world.regions["C"],
        name="兴乐乒乓球社",
        kind="table_tennis",
        organiser=world.users["grid_worker"],
        meets="每周三",
    )
    Membership.objects.get_or_create(group=club, user=world.users["resident"], status="member")
    group = GridGroup.objects.create(
        name="红星小区3栋群",
        platform="wecom",
        region=world.regions["G1"],
        region_path=world.regions["G1"].path,
        member_count=80,
    )
    group.households.add(household)
    return world


def _check(world, keys=LEVELS):
    for key in keys:
        row = _figures(world, key)
        direct = _direct(world.regions[key])
        assert {name: row[name] for name in direct} == direct, key


def test_each_figure_equals_a_direct_count_at_every_level(busy):
    aggregate_regions()
    _check(busy)
    # No micro-grid worker is assigned outside micro-grid 1; only grid 1 has a Party branch.
    assert _figures(busy, "G1")["micro_grids_unstaffed"] == 1
    assert _figures(busy, "C")["micro_grids_unstaffed"] == 2
    assert _figures(busy, "C")["grids_without_party"] == 1
    figures = _figures(busy, "C")
    rows = coverage(busy.regions["C"], Resident.objects.all())  # the coverage page's figures
    assert figures["visits_required"] == sum(r.required for r in rows) > 0
    assert figures["visits_on_time"] == sum(r.on_time for r in rows)
    assert figures["visits_overdue"] == sum(r.overdue for r in rows)
    assert figures.closure_rate == 50 and figures.satisfaction == 100
    assert figures.volunteer_hours == 2  # 150 minutes
    week = timezone.localdate() - dt.timedelta(days=timezone.localdate().weekday())
    assert figures[f"case_week.{week.isoformat()}"] == 2


def test_quick_refresh_keeps_figures_equal_to_a_full_run_after_cases_visits_and_moves(busy):
    from weiwang.people.life_events import resident_move_out
    from weiwang.regions.services import building_move

    aggregate_regions()
    assert not StaleRegion.objects.exists()
    _report(busy, "M1b")
    visit_record(
        visitor=busy.users["micro_grid_worker"],
        household=busy.residents["zhaoliu"].household,
        kind="home",
        visited_at=timezone.now(),
        idempotency_key="dash-visit-0002",
    )
    resident_move_out(
        actor=busy.users["community_worker"],
        resident=busy.residents["wangwu"],
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        destination="成都市武侯区",
    )
    building_move(
        actor=busy.users["community_worker"],
        building=busy.buildings["红星小区4"],
        micro_grid=busy.regions["M1"],
    )
    assert StaleRegion.objects.exists()
    refresh_stale()
    assert not StaleRegion.objects.exists()
    _check(busy)
    refreshed = {r.region_id: r.figures for r in RegionDaily.objects.all()}
    aggregate_regions()
    full = {r.region_id: r.figures for r in RegionDaily.objects.all()}
    assert refreshed == full
    assert RegionDaily.objects.filter(region=busy.regions["C"]).count() == 1  # one row a day


def test_refresh_without_todays_rows_runs_the_full_aggregation(world):
    _report(world)
    assert refresh_stale() > 0
    assert not StaleRegion.objects.exists()
    assert _figures(world, "C")["cases_received"] == 1


def test_the_dashboard_drills_down_within_scope(busy, django_assert_max_num_queries):
    aggregate_regions()
    client = busy.client("community_worker")
    client.get(reverse("dashboard", args=[busy.regions["C"].pk]))
    with django_assert_max_num_queries(17):  # rows of the day, never the counted tables
        page = client.get(reverse("dashboard", args=[busy.regions["C"].pk]))
    assert page.context["figures"]["cases_received"] == 2
    children = [child.region.name for child in page.context["children"]]
    assert children == ["第1网格(红星小区)", "第2网格(汉嘉国际社区)"]
    html = page.content.decode()
    assert reverse("dashboard", args=[busy.regions["G1"].pk]) in html
    assert f"region_path={busy.regions['C'].path}&amp;overdue=1" in html
    assert "高龄老人" in html and "重病慢病" not in html  # sensitive tags stay off
    assert client.get(reverse("dashboard", args=[busy.regions["C2"].pk])).status_code == 404
    grid = busy.client("grid_worker")
    assert grid.get(reverse("dashboard", args=[busy.regions["G2"].pk])).status_code == 404
    resident = busy.client("resident")
    assert resident.get(reverse("dashboard", args=[busy.regions["M1"].pk])).status_code == 404
    home = client.get(reverse("dashboard_home"))
    assert home["Location"] == reverse("dashboard", args=[busy.regions["C"].pk])


def test_lists_behind_the_figures_narrow_to_the_region(busy):
    client = busy.client("community_worker")
    g1, g2 = busy.regions["G1"], busy.regions["G2"]
    members = client.get(reverse("party_members"), {"region": g1.pk})
    assert [m.name for m in members.context["page"]] == ["赵六"]
    assert not list(client.get(reverse("party_members"), {"region": g2.pk}).context["page"])
    cases = client.get(reverse("case_list"), {"region_path": g2.path})
    assert [c.micro_grid_id for c in cases.context["page"]] == [busy.regions["M2"].pk]


def test_an_empty_dashboard_says_when_figures_come(world):
    page = world.client("community_worker").get(reverse("dashboard", args=[world.regions["C"].pk]))
    assert "指标还没有统计出来" in page.content.decode()


def test_rates_without_data_are_blank_rather_than_zero_percent(world):
    aggregate_regions()
    figures = _figures(world, "C")
    assert figures.turnout is None and figures.reach is None and figures.closure_rate is None
    assert figures["money_spent"] == 0


def test_saves_mark_their_region_stale_unless_marks_are_paused(world):
    from weiwang.dashboards.receivers import stale_marks_paused

    StaleRegion.objects.all().delete()
    with stale_marks_paused():
        _report(world, "M2")
    assert not StaleRegion.objects.exists()
    _report(world, "M2")
    assert list(StaleRegion.objects.values_list("path", flat=True)) == [world.regions["M2"].path]
