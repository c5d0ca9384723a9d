from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from weiwang.conftest import ZHANG_SAN_ID
from weiwang.people.models import Resident
from weiwang.people.selectors import search_residents
from weiwang.people.services import household_create, resident_create


def names(world, persona, **kwargs):
    return [r.name for r in search_residents(world.users[persona], **kwargs).rows]


@pytest.mark.parametrize(
    "query",
    [
        "zs",
        "ZS",
        "zhangsan",
        "zhang san",
        "zhan",
        "张三",
        "张",
        ZHANG_SAN_ID,
        "13800005678",
        "5678",
    ],
)
def test_grid_worker_finds_zhang_san(world, query):
    assert "张三" in names(world, "grid_worker", query=query)


def test_initials_search_does_not_match_other_names(world):
    assert names(world, "grid_worker", query="zs") == ["张三"]


def test_address_search_finds_everyone_in_the_building(world):
    assert set(names(world, "grid_worker", query="红星小区3栋")) == {"张三", "李秀英"}


def test_search_within_a_region(world):
    within = world.regions["M1b"]
    assert names(world, "grid_worker", within=within) == ["赵六"]
    page = world.client("grid_worker").get("/residents/", {"region": within.pk}).content.decode()
    assert f"/residents/{world.residents['zhaoliu'].pk}/" in page
    assert f"/residents/{world.residents['zhangsan'].pk}/" not in page
    assert "只在“第2微网格”内查找" in page


def test_search_within_a_region_out_of_scope_is_a_404(world):
    client = world.client("grid_worker")
    assert client.get("/residents/", {"region": world.regions["G2"].pk}).status_code == 404


def test_tag_filter(world):
    assert names(world, "grid_worker", tag="advanced_age") == ["张三"]


def test_volunteer_cannot_filter_by_a_sensitive_tag(world):
    assert names(world, "micro_grid_worker", tag="chronic_illness") == []


def test_search_never_returns_residents_outside_the_scope(world):
    assert names(world, "grid_worker", query="王五") == []
    assert names(world, "grid_worker2", query="王五") == ["王五"]
    assert "王五" not in names(world, "grid_worker")
    assert names(world, "grid_worker", query="13600002222") == []


def test_a_resident_sees_only_their_own_household(world):
    assert set(names(world, "resident")) == {"张三", "李秀英"}


def test_building_head_sees_only_their_building(world):
    assert set(names(world, "building_head")) == {"张三", "李秀英"}


def test_keyset_pagination_walks_every_row_once(world):
    household = world.residents["zhangsan"].household
    from weiwang.conftest import valid_id

    for i in range(45):
        resident_create(
            actor=None,
            household=household,
            name=f"测试{i}",
            id_number=valid_id("20000101", 100 + i),
            relation_to_head="child",
        )
    user = world.users["grid_worker"]
    seen, after = [], None
    while True:
        page = search_residents(user, after=after, limit=20)
        seen += [r.pk for r in page.rows]
        if page.next_cursor is None:
            break
        after = page.next_cursor
    expected = list(
        Resident.objects.filter(region_path__startswith=world.regions["G1"].path)
        .order_by("id")
        .values_list("pk", flat=True)
    )
    assert seen == expected and len(seen) == 48


def test_search_page_paginates_and_says_what_to_do_when_empty(world):
    client = world.client("grid_worker")
    empty = client.get("/residents/", {"q": "没有这个人"}).content.decode()
    assert "没有找到符合条件的居民" in empty
    found = client.get("/residents/", {"q": "zs"}).content.decode()
    assert "张三" in found and "5101" not in found.split("张三")[0][-50:]


def test_resident_list_makes_a_constant_number_of_queries(world):
    client = world.client("grid_worker")
    household = household_create(dwelling=world.residents["zhangsan"].household.dwelling)
    from weiwang.conftest import valid_id

    with CaptureQueriesContext(connection) as few:
        client.get("/residents/")
    for i in range(15):
        resident_create(
            actor=None,
            household=household,
            name=f"新{i}",
            id_number=valid_id("19990101", 200 + i),
            phones=["13900000000"],
        )
    with CaptureQueriesContext(connection) as many:
        response = client.get("/residents/")
    assert response.content.decode().count('class="row"') == 18
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
