"""/api/v1/cases: scoped like the pages, structured errors, version conflicts."""

from __future__ import annotations

import json


def _post(client, url, body):
    return client.post(url, json.dumps(body), content_type="application/json")


def test_report_list_act_and_conflict_through_the_api(world):
    api = world.api("micro_grid_worker")
    building = world.buildings["红星小区3"]
    created = _post(
        api,
        "/api/v1/cases",
        {"category": "environment", "description": "路灯不亮", "building_id": building.pk},
    )
    assert created.status_code == 201, created.content
    case = created.json()
    assert case["state"] == "pending" and case["tier"] == "micro_grid"
    assert case["timeline"][0]["action"] == "report"
    listed = api.get("/api/v1/cases", {"state": "open"}).json()
    assert [c["id"] for c in listed["results"]] == [case["id"]]
    moved = _post(api, f"/api/v1/cases/{case['id']}/actions", {"action": "accept", "version": 0})
    assert moved.status_code == 200 and moved.json()["state"] == "accepted"
    stale = _post(api, f"/api/v1/cases/{case['id']}/actions", {"action": "start", "version": 0})
    assert stale.status_code == 400 and stale.json()["error"]["code"] == "conflict"
    other = world.api("grid_worker2").get(f"/api/v1/cases/{case['id']}")
    assert other.status_code == 404 and other.json()["error"]["code"] == "not_found"


def test_bad_reports_get_structured_errors(world):
    api = world.api("micro_grid_worker")
    unknown = _post(api, "/api/v1/cases", {"category": "nope", "description": "x"})
    assert unknown.status_code == 400 and unknown.json()["error"]["code"] == "category"
    hotline = _post(
        api,
        "/api/v1/cases",
        {"category": "environment", "description": "热线", "source": "hotline"},
    )
    assert hotline.json()["error"]["code"] == "external_number"
    missing = _post(api, "/api/v1/cases", {"description": "x"})
    assert missing.status_code == 422
    resident = _post(
        world.api("resident"), "/api/v1/cases", {"category": "environment", "description": "x"}
    )
    assert resident.json()["error"]["code"] == "forbidden"


def test_the_cursor_pages_through_cases(world, report):
    for _ in range(3):
        report()
    api = world.api("grid_worker")
    first = api.get("/api/v1/cases", {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    second = api.get("/api/v1/cases", {"limit": 2, "cursor": first["next_cursor"]}).json()
    assert len(second["results"]) == 1 and second["next_cursor"] is None
    bad = api.get("/api/v1/cases", {"cursor": "abc"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "bad_cursor"


def test_the_reporter_rates_through_the_api(world, report):
    from weiwang.cases.models import CaseSource
    from weiwang.cases.services import case_act

    case = report(by="resident", source=CaseSource.RESIDENT)
    worker = world.users["micro_grid_worker"]
    case_act(actor=worker, case=case, action="accept", version=0)
    case_act(actor=worker, case=case, action="resolve", version=1, note="已处理")
    staff = _post(
        world.api("micro_grid_worker"), f"/api/v1/cases/{case.pk}/rating", {"rating": "satisfied"}
    )
    assert staff.json()["error"]["code"] == "forbidden"
    bad = _post(world.api("resident"), f"/api/v1/cases/{case.pk}/rating", {"rating": "great"})
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "rating"
    rated = _post(
        world.api("resident"), f"/api/v1/cases/{case.pk}/rating", {"rating": "dissatisfied"}
    )
    assert rated.status_code == 200 and rated.json()["state"] == "reopened"
    assert rated.json()["tier"] == "grid"
