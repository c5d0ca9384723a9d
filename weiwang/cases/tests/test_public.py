"""Anonymous reporting from a QR code: no login, a number and a retrieval code, rate limits
per address and per place, rating through the code."""

from __future__ import annotations

import re

from django.test import Client

from weiwang.cases.models import Case, CaseCategory, CaseState


def _report(client, building, **extra):
    form = {
        "category": CaseCategory.objects.get(code="environment").pk,
        "description": "单元门口垃圾没人清运",
        **extra,
    }
    return client.post(f"/report/b/{building.pk}/", form)


def test_an_anonymous_report_gets_a_number_and_a_code_to_follow_it(world):
    building = world.buildings["红星小区3"]
    client = Client()
    page = client.get(f"/report/b/{building.pk}/").content.decode()
    assert "红星小区3栋" in page and "不需要登录" in page
    response = _report(client, building, phone="13900007777")
    assert response.status_code == 200
    html = response.content.decode()
    number = re.search(r'data-field="number"><strong>(\w+)<', html).group(1)
    code = re.search(r'data-field="code"><strong>(\d{6})<', html).group(1)
    case = Case.objects.get(number=number)
    assert case.source == "anonymous" and case.reporter_id is None
    assert case.micro_grid_id == world.regions["M1"].pk
    assert case.reporter_phone_masked == "139****7777" and "13900007777" not in html
    assert code not in case.retrieval_code_hash  # only a hash is kept
    wrong = client.post("/track/", {"number": number, "code": "000000"})
    assert wrong.status_code == 400 and "查询码不对" in wrong.content.decode()
    tracked = client.post("/track/", {"number": number, "code": code}).content.decode()
    assert "待受理" in tracked
    worker = world.client("micro_grid_worker")
    worker.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 0})
    worker.post(f"/cases/{case.pk}/act/", {"action": "resolve", "version": 1, "note": "已清运"})
    tracked = client.post("/track/", {"number": number, "code": code}).content.decode()
    assert "已清运" in tracked and "请评价处理结果" in tracked
    client.post("/track/", {"number": number, "code": code, "rating": "basic", "comment": "慢了点"})
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED and case.rating == "basic"


def test_a_flood_from_one_address_is_refused_clearly(world, settings):
    settings.PUBLIC_REPORT_IP_RATE = "3/h"
    building = world.buildings["红星小区3"]
    client = Client()
    for _ in range(3):
        assert _report(client, building).status_code == 200
    refused = _report(client, building)
    assert refused.status_code == 429 and "太频繁" in refused.content.decode()
    assert Case.objects.count() == 3
    other_address = Client(REMOTE_ADDR="10.0.0.9")
    assert _report(other_address, building).status_code == 200


def test_a_flood_at_one_place_is_refused_whatever_the_address(world, settings):
    settings.PUBLIC_REPORT_PLACE_RATE = "2/h"
    building = world.buildings["红星小区3"]
    for n in range(2):
        assert _report(Client(REMOTE_ADDR=f"10.0.1.{n}"), building).status_code == 200
    assert _report(Client(REMOTE_ADDR="10.0.1.99"), building).status_code == 429
    elsewhere = world.buildings["红星小区4"]
    assert _report(Client(REMOTE_ADDR="10.0.1.99"), elsewhere).status_code == 200


def test_bad_input_and_unknown_places(world):
    building = world.buildings["红星小区3"]
    client = Client()
    assert client.get("/report/b/999999/").status_code == 404
    assert client.get(f"/report/x/{building.pk}/").status_code == 404
    bad = _report(client, building, phone="12")
    assert bad.status_code == 400 and "电话号码格式不正确" in bad.content.decode()
    assert not Case.objects.exists()


def test_staff_print_a_qr_code_per_building(world):
    building = world.buildings["红星小区3"]
    page = world.client("grid_worker").get(f"/buildings/{building.pk}/qr/").content.decode()
    assert "<svg" in page and f"/report/b/{building.pk}/" in page


def test_an_estate_code_lets_the_reporter_pick_the_building(world):
    building = world.buildings["红星小区3"]
    page = world.client("grid_worker").get(f"/estates/{building.estate_id}/qr/").content.decode()
    assert "<svg" in page and f"/report/e/{building.estate_id}/" in page
    client = Client()
    form = client.get(f"/report/e/{building.estate_id}/").content.decode()
    assert "小区公共区域" in form and "红星小区3栋" in form
    client.post(
        f"/report/e/{building.estate_id}/",
        {
            "category": CaseCategory.objects.get(code="environment").pk,
            "description": "小区大门口积水",
            "building": "",
        },
    )
    case = Case.objects.get()
    assert case.estate_id == building.estate_id and case.building is None
