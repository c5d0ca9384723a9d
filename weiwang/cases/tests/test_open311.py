"""Open311 GeoReport v2 against the spec: discovery, services, service definitions, POST and
GET requests, tokens — in JSON and in XML — and its errors."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET

import pytest
from django.core.management import call_command
from django.test import Client

from weiwang.cases.models import Case, CaseCategory
from weiwang.cases.open311 import open311_key_create

REQUEST_FIELDS = {
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
    "media_url",
}


@pytest.fixture
def key(db):
    return open311_key_create(name="测试客户端")[1]


def _xml(response) -> ET.Element:
    assert response["Content-Type"].startswith("text/xml")
    assert response.content.startswith(b'<?xml version="1.0" encoding="UTF-8"?>')
    return ET.fromstring(response.content)  # noqa: S314 (our own output)


def test_discovery_lists_the_v2_endpoint_in_both_formats(world):
    client = Client()
    doc = client.get("/open311/v2/discovery.json").json()
    endpoint = doc["endpoints"][0]
    assert endpoint["specification"] == "http://wiki.open311.org/GeoReport_v2"
    assert set(endpoint["formats"]) == {"text/xml", "application/json"}
    root = _xml(client.get("/open311/v2/discovery.xml"))
    assert root.tag == "discovery"
    assert root.find("endpoints/endpoint/specification").text.endswith("GeoReport_v2")
    assert [f.text for f in root.findall("endpoints/endpoint/formats/format")] == [
        "text/xml",
        "application/json",
    ]


def test_services_are_the_active_categories(world):
    client = Client()
    services = client.get("/open311/v2/services.json").json()
    codes = {s["service_code"] for s in services}
    assert {"environment", "safety", "emergency"} <= codes
    first = services[0]
    assert set(first) == {
        "service_code",
        "service_name",
        "description",
        "metadata",
        "type",
        "keywords",
        "group",
    }
    assert first["metadata"] is False and first["type"] == "realtime"
    root = _xml(client.get("/open311/v2/services.xml"))
    assert root.tag == "services" and root.find("service/metadata").text == "false"
    definition = _xml(client.get("/open311/v2/services/environment.xml"))
    assert definition.tag == "service_definition"
    assert definition.find("service_code").text == "environment"
    missing = client.get("/open311/v2/services/nope.json")
    assert missing.status_code == 404 and missing.json()[0]["code"] == 404


def test_post_get_and_token_round_trip(world, key):
    client = Client()
    building = world.buildings["红星小区3"]
    posted = client.post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "environment",
            "address_id": str(building.pk),
            "description": "小区东门垃圾堆积",
            "lat": "30.8236",
            "long": "104.1588",
            "first_name": "三",
            "last_name": "张",
            "phone": "13900008888",
        },
    )
    assert posted.status_code == 201, posted.content
    created = posted.json()[0]
    assert set(created) == {"service_request_id", "token", "service_notice", "account_id"}
    case = Case.objects.get(number=created["service_request_id"])
    assert case.source == "open311" and case.micro_grid_id == world.regions["M1"].pk
    assert case.reporter_phone_masked == "139****8888"
    one = client.get(f"/open311/v2/requests/{case.number}.json").json()
    assert len(one) == 1 and set(one[0]) == REQUEST_FIELDS
    assert one[0]["status"] == "open" and one[0]["lat"] == "30.823600"
    assert "13900008888" not in str(one)
    listing = client.get("/open311/v2/requests.json", {"status": "open"}).json()
    assert [r["service_request_id"] for r in listing] == [case.number]
    assert client.get("/open311/v2/requests.json", {"status": "closed"}).json() == []
    xml = _xml(client.get("/open311/v2/requests.xml", {"service_code": "environment"}))
    assert xml.tag == "service_requests"
    assert xml.find("request/service_request_id").text == case.number
    token = _xml(client.get(f"/open311/v2/tokens/{created['token']}.xml"))
    assert token.find("request/service_request_id").text == case.number
    # Worker reports are not published through Open311.
    worker_case = Case.objects.create(
        number="SJW1",
        title="内部",
        description="内部记录",
        category=case.category,
        limit=case.limit,
        source="worker",
        micro_grid=case.micro_grid,
        region_path=case.region_path,
        tier="micro_grid",
        handling_region=case.micro_grid,
        deadline=case.deadline,
    )
    assert client.get(f"/open311/v2/requests/{worker_case.number}.json").status_code == 404


def test_post_refusals_follow_the_spec_error_format(world, key):
    client = Client()
    building = world.buildings["红星小区3"]
    base = {"service_code": "environment", "address_id": str(building.pk), "description": "x"}
    no_key = client.post("/open311/v2/requests.xml", base)
    root = _xml(no_key)
    assert no_key.status_code == 403 and root.tag == "errors"
    assert root.find("error/code").text == "403" and root.find("error/description").text
    bad_code = client.post(
        "/open311/v2/requests.json", {**base, "api_key": key, "service_code": "x"}
    )
    assert bad_code.status_code == 404 and bad_code.json()[0]["code"] == 404
    nowhere = client.post(
        "/open311/v2/requests.json",
        {"api_key": key, "service_code": "environment", "lat": "30.1", "long": "104.1"},
    )
    assert nowhere.status_code == 400 and "address_id" in nowhere.json()[0]["description"]
    empty = client.post("/open311/v2/requests.json", {**base, "api_key": key, "description": ""})
    assert empty.status_code == 400
    bad_date = client.get("/open311/v2/requests.json", {"start_date": "yesterday"})
    assert bad_date.status_code == 400 and "ISO 8601" in bad_date.json()[0]["description"]
    assert not Case.objects.exists()


def test_an_address_string_finds_the_estate_and_building(world, key):
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": key,
            "service_code": "infrastructure",
            "address_string": "红星小区三栋门口",
            "description": "路灯不亮",
        },
    )
    assert response.status_code == 201, response.content
    case = Case.objects.get()
    assert case.building == world.buildings["红星小区3"]


def test_posts_are_rate_limited(world, key, settings):
    settings.PUBLIC_REPORT_IP_RATE = "2/h"
    building = world.buildings["红星小区3"]
    form = {
        "api_key": key,
        "service_code": "environment",
        "address_id": str(building.pk),
        "description": "重复提交",
    }
    client = Client()
    assert client.post("/open311/v2/requests.json", form).status_code == 201
    assert client.post("/open311/v2/requests.json", form).status_code == 201
    flood = client.post("/open311/v2/requests.json", form)
    assert flood.status_code == 429 and flood.json()[0]["code"] == 429


def test_the_key_command_prints_a_key_once(world):
    out = io.StringIO()
    call_command("create_open311_key", "12345热线对接", stdout=out)
    secret = out.getvalue().split(": ", 1)[1].split()[0]
    response = Client().post(
        "/open311/v2/requests.json",
        {
            "api_key": secret,
            "service_code": CaseCategory.objects.first().code,
            "address_id": str(world.buildings["红星小区3"].pk),
            "description": "热线转入",
        },
    )
    assert response.status_code == 201
