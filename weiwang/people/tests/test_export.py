from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from weiwang.audit.models import AuditEntry
from weiwang.conftest import ZHANG_SAN_ID


def _sheet_rows(content: bytes) -> list[list[object]]:
    workbook = load_workbook(io.BytesIO(content), read_only=True)
    return [list(row) for row in workbook.active.iter_rows(values_only=True)]


def _body(response) -> bytes:
    return b"".join(response.streaming_content)


def test_grid_worker_exports_their_grid_masked(world):
    response = world.client("grid_worker").get("/residents/export.xlsx")
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment")
    rows = _sheet_rows(_body(response))
    assert rows[0][0] == "居民名单(已脱敏)"
    assert "导出人:grid_worker" in rows[1][0]
    header, data = rows[2], rows[3:]
    assert header[:4] == ["姓名", "性别", "出生日期", "身份证号"]
    names = sorted(row[0] for row in data)
    assert names == sorted(["张三", "李秀英", "赵六"])  # grid 1 only, never 王五
    zhang = next(row for row in data if row[0] == "张三")
    assert zhang[3] == "5101**********1234" and zhang[4] == "138****5678"
    flat = repr(rows)
    assert ZHANG_SAN_ID not in flat and "13800005678" not in flat
    entry = AuditEntry.objects.get(action="residents.export")
    assert entry.actor == world.users["grid_worker"] and entry.detail["rows"] == 3


def test_export_follows_the_search(world):
    client = world.client("grid_worker")
    rows = _sheet_rows(_body(client.get("/residents/export.xlsx", {"q": "zs"})))
    assert [row[0] for row in rows[3:]] == ["张三"]
    search = client.get("/residents/", {"q": "zs"}).content.decode()
    assert "/residents/export.xlsx?q=zs" in search


def test_export_within_another_grid_is_a_404(world):
    client = world.client("grid_worker")
    response = client.get("/residents/export.xlsx", {"region": world.regions["G2"].pk})
    assert response.status_code == 404


def test_volunteers_and_residents_cannot_export(world):
    for persona in ("micro_grid_worker", "building_head", "resident"):
        assert world.client(persona).get("/residents/export.xlsx").status_code == 404
    page = world.client("micro_grid_worker").get("/residents/").content.decode()
    assert "导出为 Excel" not in page


def test_export_command_writes_a_masked_sheet_of_a_region(world, tmp_path):
    out = tmp_path / "g1.xlsx"
    call_command("export_residents", "--region", "T-G1", "--out", str(out), stdout=io.StringIO())
    rows = _sheet_rows(out.read_bytes())
    assert sorted(row[0] for row in rows[3:]) == sorted(["张三", "李秀英", "赵六"])
    assert ZHANG_SAN_ID not in repr(rows)
    with pytest.raises(CommandError, match="no region"):
        call_command("export_residents", "--region", "nowhere", "--out", str(out))
