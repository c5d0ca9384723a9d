from __future__ import annotations

import datetime as dt

import pytest

from weiwang.conftest import valid_id
from weiwang.core.errors import ApplicationError
from weiwang.people import life_events
from weiwang.people.models import LifeEvent, Resident
from weiwang.people.selectors import search_residents
from weiwang.regions.models import Region

DAY = dt.date(2026, 10, 8)


def _counts(world, *keys):
    return {k: Region.objects.get(pk=world.regions[k].pk).resident_count for k in keys}


def test_moving_out_keeps_the_record_but_leaves_lists_and_counts(world):
    zhang = world.residents["zhangsan"]
    before = _counts(world, "M1", "G1", "D")
    client = world.client("grid_worker")
    response = client.post(
        f"/residents/{zhang.pk}/change/move_out/",
        {"occurred_on": "2026-10-08", "destination": "成都市武侯区", "note": ""},
    )
    assert response.status_code == 302
    zhang.refresh_from_db()
    assert zhang.status == "moved_out"
    after = _counts(world, "M1", "G1", "D")
    assert all(after[k] == before[k] - 1 for k in before)
    names = [r.name for r in search_residents(world.users["grid_worker"], query="zs").rows]
    assert "张三" not in names
    page = client.get(f"/residents/{zhang.pk}/").content.decode()
    assert "已迁出" in page and "成都市武侯区" in page and "2026-10-08" in page
    event = LifeEvent.objects.get(resident=zhang)
    assert event.kind == "move_out" and event.from_dwelling == zhang.household.dwelling


def test_a_move_out_needs_a_destination_and_a_past_date(world):
    zhang = world.residents["zhangsan"]
    client = world.client("grid_worker")
    no_place = client.post(f"/residents/{zhang.pk}/change/move_out/", {"occurred_on": "2026-10-08"})
    assert no_place.status_code == 400
    with pytest.raises(ApplicationError, match="晚于今天"):
        life_events.resident_death(actor=None, resident=zhang, occurred_on=dt.date(2999, 1, 1))
    zhang.refresh_from_db()
    assert zhang.status == "current" and not LifeEvent.objects.exists()


def test_death_is_recorded_once(world):
    zhang = world.residents["zhangsan"]
    life_events.resident_death(actor=None, resident=zhang, occurred_on=DAY)
    with pytest.raises(ApplicationError, match="已不在册"):
        life_events.resident_death(actor=None, resident=zhang, occurred_on=DAY)
    assert zhang.events.count() == 1


def test_moving_within_the_community_moves_counts_and_history(world):
    li = world.residents["lixiuying"]
    target = world.residents["zhaoliu"].household.dwelling  # micro-grid M1b
    before = _counts(world, "M1", "M1b", "G1")
    client = world.client("grid_worker")
    response = client.post(
        f"/residents/{li.pk}/change/move_within/",
        {"occurred_on": "2026-10-08", "new_address": target.address},
    )
    assert response.status_code == 302
    li.refresh_from_db()
    assert li.household.dwelling == target and li.region_path == world.regions["M1b"].path
    after = _counts(world, "M1", "M1b", "G1")
    assert after == {"M1": before["M1"] - 1, "M1b": before["M1b"] + 1, "G1": before["G1"]}
    old_home = client.get(f"/dwellings/{world.residents['zhangsan'].household.dwelling_id}/")
    assert "社区内搬迁 · 李秀英" in old_home.content.decode()


def test_moving_to_an_address_outside_the_scope_is_refused(world):
    li = world.residents["lixiuying"]
    elsewhere = world.residents["wangwu"].household.dwelling
    response = world.client("grid_worker").post(
        f"/residents/{li.pk}/change/move_within/",
        {"occurred_on": "2026-10-08", "new_address": elsewhere.address},
    )
    assert response.status_code == 400
    assert "没有找到这个地址" in response.content.decode()


def test_registering_a_birth_checks_the_date_against_the_id_number(world):
    dwelling = world.residents["zhangsan"].household.dwelling
    client = world.client("grid_worker")
    baby_id = valid_id("20261001", 12)
    form = {
        "name": "张小宝",
        "id_number": baby_id,
        "relation": "grandchild",
        "occurred_on": "2026-10-02",
    }
    wrong = client.post(f"/dwellings/{dwelling.pk}/add/birth/", form)
    assert wrong.status_code == 400 and "不一致" in wrong.content.decode()
    assert not Resident.objects.filter(name="张小宝").exists()
    right = client.post(
        f"/dwellings/{dwelling.pk}/add/birth/", {**form, "occurred_on": "2026-10-01"}
    )
    assert right.status_code == 302
    baby = Resident.objects.get(name="张小宝")
    assert (
        baby.events.get().kind == "birth"
        and baby.household == world.residents["zhangsan"].household
    )


def test_moving_in_with_a_wrong_id_number_says_why_and_saves_nothing(world):
    dwelling = world.residents["zhangsan"].household.dwelling
    response = world.client("grid_worker").post(
        f"/dwellings/{dwelling.pk}/add/move_in/",
        {
            "name": "新住户",
            "id_number": "510121196503031235",
            "relation": "tenant",
            "occurred_on": "2026-10-01",
            "came_from": "重庆",
        },
    )
    assert response.status_code == 400
    assert "校验位不正确" in response.content.decode()
    assert not Resident.objects.filter(name="新住户").exists()


def test_changing_the_household_head(world):
    li = world.residents["lixiuying"]
    life_events.household_head_change(actor=None, new_head=li, occurred_on=DAY)
    li.refresh_from_db()
    zhang = Resident.objects.get(pk=world.residents["zhangsan"].pk)
    assert li.relation_to_head == "head" and zhang.relation_to_head == "other"


def test_tags_are_added_and_removed_with_history(world):
    zhao = world.residents["zhaoliu"]
    client = world.client("grid_worker")
    client.post(
        f"/residents/{zhao.pk}/change/tag_add/",
        {"occurred_on": "2026-10-08", "tag": "advanced_age", "note": "走访发现"},
    )
    assert zhao.tag_links.filter(tag__code="advanced_age").exists()
    client.post(
        f"/residents/{zhao.pk}/change/tag_remove/",
        {"occurred_on": "2026-10-09", "tag": "advanced_age"},
    )
    assert not zhao.tag_links.exists()
    assert list(zhao.events.values_list("kind", flat=True)) == ["tag_removed", "tag_added"]


def test_volunteers_cannot_register_changes(world):
    zhang = world.residents["zhangsan"]
    client = world.client("micro_grid_worker")
    assert client.get(f"/residents/{zhang.pk}/change/death/").status_code == 404
    assert "登记变动" not in client.get(f"/residents/{zhang.pk}/").content.decode()


def test_unknown_change_kinds_are_a_404(world):
    zhang = world.residents["zhangsan"]
    assert world.client("grid_worker").get(f"/residents/{zhang.pk}/change/fly/").status_code == 404


def test_date_fields_are_filled_with_today_in_a_format_browsers_accept(world):
    zhang = world.residents["zhangsan"]
    page = world.client("grid_worker").get(f"/residents/{zhang.pk}/change/death/")
    from django.utils import timezone

    assert f'value="{timezone.localdate().isoformat()}"' in page.content.decode()
