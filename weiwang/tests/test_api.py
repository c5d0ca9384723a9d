from __future__ import annotations

from django.test import Client

from weiwang.conftest import ZHANG_SAN_ID


def test_token_then_bearer_access(world):
    client = Client()
    response = client.post(
        "/api/v1/auth/token",
        {"username": "grid_worker", "password": "pw-grid_worker"},
        content_type="application/json",
    )
    assert response.status_code == 200
    token = response.json()["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = api.get(f"/api/v1/regions/{world.regions['G1'].pk}").json()
    assert body["name"] == "第1网格(红星小区)" and body["resident_count"] == 3
    assert [c["name"] for c in body["children"]] == ["第1微网格", "第2微网格"]


def test_wrong_password_gets_a_structured_401(world):
    response = Client().post(
        "/api/v1/auth/token",
        {"username": "grid_worker", "password": "no"},
        content_type="application/json",
    )
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "bad_credentials"


def test_bad_token_is_refused(world):
    api = Client(HTTP_AUTHORIZATION="Bearer not-a-token")
    assert api.get("/api/v1/residents").status_code == 401


def test_resident_list_is_masked_scoped_and_keyset_paginated(world):
    api = world.api("grid_worker")
    first = api.get("/api/v1/residents", {"limit": 2}).json()
    assert len(first["results"]) == 2 and first["next_cursor"]
    second = api.get("/api/v1/residents", {"limit": 2, "cursor": first["next_cursor"]}).json()
    names = [r["name"] for r in first["results"] + second["results"]]
    assert sorted(names) == sorted(["张三", "李秀英", "赵六"])
    assert second["next_cursor"] is None
    text = str(first) + str(second)
    assert ZHANG_SAN_ID not in text and "13800005678" not in text
    assert "5101**********1234" in text and "138****5678" in text


def test_resident_search_by_initials(world):
    body = world.api("grid_worker").get("/api/v1/residents", {"q": "zs"}).json()
    assert [r["name"] for r in body["results"]] == ["张三"]


def test_out_of_scope_resident_is_a_404_like_a_missing_one(world):
    api = world.api("grid_worker")
    other = api.get(f"/api/v1/residents/{world.residents['wangwu'].pk}")
    missing = api.get("/api/v1/residents/99999999")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_bad_cursor_and_bad_ids_are_clear_errors_not_crashes(world):
    api = world.api("grid_worker")
    bad_cursor = api.get("/api/v1/residents", {"cursor": "abc"})
    assert bad_cursor.status_code == 400 and bad_cursor.json()["error"]["code"] == "bad_cursor"
    assert api.get("/api/v1/residents/abc").status_code in (404, 422)
    assert api.get("/api/v1/residents", {"limit": "many"}).status_code == 422


def test_openapi_schema_lists_the_endpoints(world):
    schema = Client().get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.")
    for path in [
        "/api/v1/auth/token",
        "/api/v1/regions/{region_id}",
        "/api/v1/residents",
        "/api/v1/residents/{resident_id}",
    ]:
        assert path in schema["paths"]
