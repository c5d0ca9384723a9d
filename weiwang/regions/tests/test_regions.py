from __future__ import annotations

import pytest

from weiwang.core.errors import ApplicationError
from weiwang.people.models import Resident
from weiwang.regions.models import Region, RegionLevel
from weiwang.regions.services import region_create


def test_paths_make_subtrees_a_prefix_query(world):
    community = world.regions["C"]
    subtree = set(
        Region.objects.filter(path__startswith=community.path).values_list("code", flat=True)
    )
    assert subtree == {"T-C", "T-G1", "T-M1", "T-M1b", "T-G2", "T-M2"}


def test_levels_must_follow_the_tree(world):
    with pytest.raises(ApplicationError):
        region_create(parent=world.regions["C"], level=RegionLevel.MICRO_GRID, name="x", code="x")


def test_counts_are_rolled_up_to_every_level(world):
    assert world.regions["M1"].resident_count == 2
    assert world.regions["G1"].resident_count == 3
    assert world.regions["C"].resident_count == 4
    assert world.regions["D"].resident_count == 6
    assert world.regions["D"].household_count == 5


def test_registering_a_resident_updates_the_counts_up_the_tree(world):
    from weiwang.conftest import valid_id
    from weiwang.people.services import household_create, resident_create

    before = {k: world.regions[k].resident_count for k in ("M1", "G1", "C", "D", "G2")}
    households_before = world.regions["G1"].household_count
    dwelling = world.residents["zhangsan"].household.dwelling
    household = household_create(dwelling=dwelling)
    resident_create(
        actor=None, household=household, name="新人", id_number=valid_id("20010101", 301)
    )
    for key in ("M1", "G1", "C", "D", "G2"):
        world.regions[key].refresh_from_db()
    assert world.regions["M1"].resident_count == before["M1"] + 1
    assert world.regions["D"].resident_count == before["D"] + 1
    assert world.regions["G2"].resident_count == before["G2"]
    assert world.regions["G1"].household_count == households_before + 1


def test_grid_sizes_outside_the_range_are_flagged_not_refused(world):
    micro = world.regions["M1"]
    assert micro.size_flag == "small"
    micro.household_count = 120
    assert micro.size_flag == "large"
    micro.household_count = 80
    assert micro.size_flag == ""


def test_region_page_shows_counts_children_and_flags(world):
    html = world.client("grid_worker").get(f"/regions/{world.regions['G1'].pk}/").content.decode()
    assert "第1微网格" in html and "第2微网格" in html
    assert "偏小" in html  # one household each is far below 30
    assert "新都区" in html  # ancestors are named in the breadcrumbs …
    assert f'href="/regions/{world.regions["C"].pk}/"' not in html  # … but not linked


def test_walk_from_grid_to_resident(world):
    client = world.client("grid_worker")
    zhang = world.residents["zhangsan"]
    dwelling = zhang.household.dwelling
    micro = client.get(f"/regions/{world.regions['M1'].pk}/").content.decode()
    assert f"/buildings/{dwelling.unit.building_id}/" in micro
    building = client.get(f"/buildings/{dwelling.unit.building_id}/").content.decode()
    assert f"/units/{dwelling.unit_id}/" in building
    unit = client.get(f"/units/{dwelling.unit_id}/").content.decode()
    assert f"/dwellings/{dwelling.pk}/" in unit
    home = client.get(f"/dwellings/{dwelling.pk}/").content.decode()
    assert f"/residents/{zhang.pk}/" in home and "李秀英" in home


def test_special_population_lists_count_per_tag_within_the_region(world):
    staff = world.client("grid_worker").get(f"/regions/{world.regions['G1'].pk}/tags/")
    html = staff.content.decode()
    assert "高龄老人" in html and "重病慢病" in html
    assert f"?tag=advanced_age&amp;region={world.regions['G1'].pk}" in html
    volunteer = world.client("micro_grid_worker").get(f"/regions/{world.regions['M1'].pk}/tags/")
    assert "高龄老人" in volunteer.content.decode()
    assert "重病慢病" not in volunteer.content.decode()  # sensitive tags stay with staff


def test_tag_counts_leave_out_residents_who_left(world):
    import datetime as dt

    from weiwang.people.life_events import resident_move_out
    from weiwang.people.selectors import tag_counts_in_region

    user, region = world.users["grid_worker"], world.regions["G1"]
    before = {tag.code: n for tag, n in tag_counts_in_region(user, region)}
    assert before["advanced_age"] == 1
    resident_move_out(
        actor=None,
        resident=world.residents["zhangsan"],
        occurred_on=dt.date(2026, 10, 1),
        destination="外地",
    )
    after = {tag.code: n for tag, n in tag_counts_in_region(user, region)}
    assert after["advanced_age"] == 0


def test_moving_a_building_moves_its_people_and_counts(world):
    from weiwang.regions.services import recount_regions

    m1, m1b, g1 = (world.regions[k] for k in ("M1", "M1b", "G1"))
    building = world.buildings["红星小区4"]
    before = {k: Region.objects.get(pk=world.regions[k].pk) for k in ("M1", "M1b", "G1")}
    client = world.client("grid_worker")
    page = client.get(f"/buildings/{building.pk}/").content.decode()
    assert "调整到其他微网格" in page and f'value="{m1.pk}"' in page
    assert f'value="{world.regions["M2"].pk}"' not in page  # another grid: not this worker's
    response = client.post(f"/buildings/{building.pk}/move/", {"micro_grid": m1.pk}, follow=True)
    assert "1 套房屋" in response.content.decode()
    zhaoliu = Resident.objects.select_related("household__dwelling").get(name="赵六")
    assert zhaoliu.micro_grid_id == m1.pk and zhaoliu.region_path == m1.path
    assert zhaoliu.household.micro_grid_id == m1.pk
    assert zhaoliu.household.dwelling.micro_grid_id == m1.pk
    after = {k: Region.objects.get(pk=world.regions[k].pk) for k in ("M1", "M1b", "G1")}
    assert after["M1"].resident_count == before["M1"].resident_count + 1
    assert after["M1b"].resident_count == before["M1b"].resident_count - 1
    assert after["M1b"].dwelling_count == before["M1b"].dwelling_count - 1
    assert after["G1"].resident_count == before["G1"].resident_count
    recount_regions()  # the kept counts agree with counting from scratch
    assert Region.objects.get(pk=m1.pk).resident_count == after["M1"].resident_count
    assert Region.objects.get(pk=m1b.pk).household_count == after["M1b"].household_count
    assert Region.objects.get(pk=g1.pk).dwelling_count == after["G1"].dwelling_count


def test_a_building_cannot_move_out_of_reach(world):
    from weiwang.regions.services import building_move

    building = world.buildings["红星小区4"]
    client = world.client("grid_worker")
    other_grid = world.regions["M2"]
    response = client.post(f"/buildings/{building.pk}/move/", {"micro_grid": other_grid.pk})
    assert response.status_code == 302
    assert Resident.objects.get(name="赵六").micro_grid_id == world.regions["M1b"].pk
    assert world.client("grid_worker2").post(f"/buildings/{building.pk}/move/").status_code == 404
    with pytest.raises(ApplicationError, match="本社区"):
        building_move(actor=None, building=building, micro_grid=world.regions["M4"])


def test_moving_one_unit_leaves_the_rest_of_the_building(world):
    m1, m1b = world.regions["M1"], world.regions["M1b"]
    building = world.buildings["红星小区4"]
    unit = building.units.get()
    client = world.client("grid_worker")
    assert "调整到其他微网格" in client.get(f"/units/{unit.pk}/").content.decode()
    response = client.post(f"/units/{unit.pk}/move/", {"micro_grid": m1.pk}, follow=True)
    assert "红星小区4栋1单元" in response.content.decode()
    assert Resident.objects.get(name="赵六").micro_grid_id == m1.pk
    building.refresh_from_db()
    assert building.micro_grid_id is None  # only the unit moved; the building has no mapping
    assert Region.objects.get(pk=m1b.pk).resident_count == 0
