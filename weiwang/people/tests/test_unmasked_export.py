from __future__ import annotations

import io

import time_machine
from openpyxl import load_workbook

from weiwang.audit.models import AuditEntry
from weiwang.conftest import ZHANG_SAN_ID
from weiwang.people.models import ExportRequest


def _rows(response) -> list[list[object]]:
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content), read_only=True).active
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _request(world, persona="grid_worker", **data):
    client = world.client(persona)
    response = client.post("/exports/new/", {"reason": "向民政局报送高龄津贴名单", **data})
    return client, response


def test_two_people_ask_approve_and_download_once(world):
    requester, response = _request(world, q="zs")
    assert response.status_code == 302
    export = ExportRequest.objects.get()
    approver = world.client("community_worker")
    assert "向民政局报送高龄津贴名单" in approver.get("/exports/").content.decode()
    approver.post(f"/exports/{export.pk}/decide/", {"decision": "approve"})
    export.refresh_from_db()
    assert export.status == "approved" and export.decided_by == world.users["community_worker"]

    download = requester.post(f"/exports/{export.pk}/download/")
    assert download.status_code == 200 and download["Cache-Control"] == "no-store"
    rows = _rows(download)
    assert "完整" in rows[0][0] and "导出人:grid_worker" in rows[1][0]
    assert "审批人:community_worker" in rows[2][0]
    data = rows[4:]
    assert [row[0] for row in data] == ["张三"]
    assert data[0][3] == ZHANG_SAN_ID and data[0][4] == "13800005678"

    again = requester.post(f"/exports/{export.pk}/download/", follow=True)
    assert "不能进行此操作" in again.content.decode()
    actions = list(
        AuditEntry.objects.filter(target_type="export_request").values_list("action", flat=True)
    )
    assert actions == ["export.requested", "export.approved", "export.downloaded"]


def test_nobody_approves_their_own_request(world):
    client, _response = _request(world)
    export = ExportRequest.objects.get()
    page = client.post(f"/exports/{export.pk}/decide/", {"decision": "approve"}, follow=True)
    assert "审批人须是申请人以外" in page.content.decode()
    export.refresh_from_db()
    assert export.status == "pending"


def test_an_approver_who_cannot_see_the_residents_cannot_approve(world):
    _request(world)
    export = ExportRequest.objects.get()
    other_grid = world.client("grid_worker2")
    assert "向民政局报送" not in other_grid.get("/exports/").content.decode()
    response = other_grid.post(f"/exports/{export.pk}/decide/", {"decision": "approve"})
    assert response.status_code == 404


def test_a_rejected_request_cannot_be_downloaded(world):
    requester, _response = _request(world)
    export = ExportRequest.objects.get()
    world.client("street_admin").post(f"/exports/{export.pk}/decide/", {"decision": "reject"})
    page = requester.post(f"/exports/{export.pk}/download/", follow=True).content.decode()
    assert "不能进行此操作" in page


def test_an_approval_expires_after_a_day(world):
    with time_machine.travel("2026-11-27 09:00 +0800", tick=False) as traveller:
        requester, _response = _request(world)
        export = ExportRequest.objects.get()
        world.client("district_admin").post(
            f"/exports/{export.pk}/decide/", {"decision": "approve"}
        )
        traveller.shift(25 * 3600)
        requester.force_login(world.users["grid_worker"])
        page = requester.post(f"/exports/{export.pk}/download/", follow=True).content.decode()
    assert "超过 24 小时" in page


def test_pages_name_the_tag_not_its_code(world):
    client = world.client("grid_worker")
    form = client.get("/exports/new/", {"tag": "advanced_age"}).content.decode()
    assert "高龄老人" in form and "advanced_age" not in form.replace('value="advanced_age"', "")
    _request(world, tag="advanced_age")
    listing = world.client("community_worker").get("/exports/").content.decode()
    assert "高龄老人" in listing and "advanced_age" not in listing


def test_a_request_needs_a_reason(world):
    response = world.client("grid_worker").post("/exports/new/", {"reason": " "})
    assert response.status_code == 400
    assert not ExportRequest.objects.exists()


def test_volunteers_cannot_ask_for_unmasked_exports(world):
    assert world.client("micro_grid_worker").get("/exports/new/").status_code == 404
