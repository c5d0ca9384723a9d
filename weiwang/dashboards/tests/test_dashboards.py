"""Dashboard figures: each equals a direct count over the rows, stays correct after new cases
and moves once re-aggregated, and drilling down respects scope."""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from weiwang.cases.models import OPEN_STATES, Case, CaseCategory
from weiwang.cases.services import case_report
from weiwang.dashboards.models import RegionDaily
from weiwang.dashboards.services import aggregate_regions
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Region


def _figures(world, key):
    return RegionDaily.objects.get(region=world.regions[key], day=timezone.localdate())


def _direct(region):
    cases = Case.objects.filter(region_path__startswith=region.path)
    micro = Region.objects.filter(path__startswith=region.path, level="micro_grid")
    return {
        "households": Household.objects.filter(region_path__startswith=region.path).count(),
        "residents": Resident.objects.filter(
            region_path__startswith=region.path, status="current"
        ).count(),
        "micro_grids": micro.count(),
        "cases_received": cases.count(),
        "cases_open": cases.filter(state__in=OPEN_STATES).count(),
    }


def _report(world, micro="M1"):
    return case_report(
        actor=world.users["grid_worker"],
        category=CaseCategory.objects.first(),
        description="楼道堆放杂物",
        micro_grid=world.regions[micro],
        source="worker",
    )


def test_each_figure_equals_a_direct_count_at_every_level(world):
    _report(world)
    _report(world, "M2")
    aggregate_regions()
    for key in ("D", "S", "C", "G1", "M1", "C2"):
        row = _figures(world, key)
        direct = _direct(world.regions[key])
        assert {name: getattr(row, name) for name in direct} == direct, key
    # No micro-grid worker is assigned outside micro-grid 1.
    assert _figures(world, "G1").micro_grids_unstaffed == 1
    assert _figures(world, "C").micro_grids_unstaffed == 2


def test_figures_follow_new_cases_and_moves_after_the_next_run(world):
    from weiwang.people.life_events import resident_move_out

    aggregate_regions()
    before = _figures(world, "C")
    _report(world)
    resident_move_out(
        actor=world.users["community_worker"],
        resident=world.residents["wangwu"],
        occurred_on=timezone.localdate() - dt.timedelta(days=1),
        destination="成都市武侯区",
    )
    aggregate_regions()
    after = _figures(world, "C")
    assert after.cases_received == before.cases_received + 1
    assert after.residents == before.residents - 1
    assert RegionDaily.objects.filter(region=world.regions["C"]).count() == 1  # one row a day


def test_the_dashboard_drills_down_within_scope(world):
    _report(world)
    aggregate_regions()
    client = world.client("community_worker")
    page = client.get(reverse("dashboard", args=[world.regions["C"].pk]))
    assert page.context["figures"].cases_received == 1
    children = [child.name for child, _row in page.context["children"]]
    assert children == ["第1网格(红星小区)", "第2网格(汉嘉国际社区)"]
    assert reverse("dashboard", args=[world.regions["G1"].pk]) in page.content.decode()
    assert client.get(reverse("dashboard", args=[world.regions["C2"].pk])).status_code == 404
    assert (
        world.client("resident")
        .get(reverse("dashboard", args=[world.regions["M1"].pk]))
        .status_code
        == 404
    )
    home = client.get(reverse("dashboard_home"))
    assert home["Location"] == reverse("dashboard", args=[world.regions["C"].pk])
