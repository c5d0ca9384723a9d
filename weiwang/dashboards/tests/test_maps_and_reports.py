"""Boundaries drawn by staff (checked, scoped, audited), what the map draws, and the weekly and
monthly reports: PDF with the Chinese text, .xlsx, scheduled, archived, downloaded in scope."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from weiwang.audit.models import AuditEntry
from weiwang.cases.models import CaseCategory
from weiwang.cases.services import case_report
from weiwang.dashboards import reports
from weiwang.dashboards.models import Boundary, Report
from weiwang.dashboards.services import aggregate_regions

SQUARE = {
    "type": "Polygon",
    "coordinates": [[[104.0, 30.7], [104.01, 30.7], [104.01, 30.71], [104.0, 30.71]]],
}


def _save(client, region, body):
    return client.post(
        reverse("boundary_save", args=[region.pk]),
        data=json.dumps(body),
        content_type="application/json",
    )


def test_staff_draw_a_boundary_which_is_closed_checked_and_audited(world):
    client = world.client("community_worker")
    response = _save(client, world.regions["G1"], {"geometry": SQUARE})
    assert response.status_code == 200
    ring = Boundary.objects.get(region=world.regions["G1"]).geometry["coordinates"][0]
    assert ring[0] == ring[-1] and len(ring) == 5  # closed for GeoJSON
    assert AuditEntry.objects.filter(action="boundary.save").count() == 1
    for bad, code in [
        ({"geometry": {"type": "Point", "coordinates": [104, 30]}}, "boundary_type"),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[104, 30], [104, 31]]]}},
            "boundary_points",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[[204, 30], [104, 31], [105, 31]]]}},
            "boundary_range",
        ),
        (
            {"geometry": {"type": "Polygon", "coordinates": [[["a", 30], [104, 31], [105, 31]]]}},
            "boundary_format",
        ),
    ]:
        refused = _save(client, world.regions["G1"], bad)
        assert refused.status_code == 400 and refused.json()["error"] == code
        assert refused.json()["message"]  # said in Chinese, for the page
    garbled = client.post(
        reverse("boundary_save", args=[world.regions["G1"].pk]),
        data="{not json",
        content_type="application/json",
    )
    assert garbled.status_code == 400
    assert Boundary.objects.get(region=world.regions["G1"]).geometry["type"] == "Polygon"  # kept


def test_boundaries_are_drawn_only_in_scope_and_only_by_staff(world):
    assert (
        _save(world.client("grid_worker"), world.regions["G2"], {"geometry": SQUARE}).status_code
        == 404
    )
    assert (
        _save(
            world.client("micro_grid_worker"), world.regions["M1"], {"geometry": SQUARE}
        ).status_code
        == 404  # refused like a region out of scope
    )
    assert (
        _save(world.client("grid_worker"), world.regions["M1"], {"geometry": SQUARE}).status_code
        == 200
    )
    deleted = _save(world.client("grid_worker"), world.regions["M1"], {"delete": True})
    assert deleted.json()["deleted"] and not Boundary.objects.exists()


def test_the_map_carries_child_outlines_with_figures_and_case_points_in_scope(world):
    Boundary.objects.create(region=world.regions["G1"], geometry=SQUARE)
    case, _code = case_report(
        actor=world.users["grid_worker"],
        category=CaseCategory.objects.first(),
        description="路灯不亮",
        micro_grid=world.regions["M1"],
        source="worker",
        latitude=30.705,
        longitude=104.005,
    )
    aggregate_regions()
    page = world.client("community_worker").get(reverse("dashboard", args=[world.regions["C"].pk]))
    data = page.context["map"]
    [feature] = data["children"]["features"]
    assert feature["properties"]["name"] == "第1网格(红星小区)"
    assert feature["properties"]["figures"]["cases_received"] == 1
    assert feature["properties"]["url"] == reverse("dashboard", args=[world.regions["G1"].pk])
    assert [c["url"] for c in data["cases"]] == [reverse("case_detail", args=[case.pk])]
    other = world.client("grid_worker2").get(reverse("dashboard", args=[world.regions["G2"].pk]))
    assert other.context["map"]["cases"] == []  # the case is in grid 1
    html = page.content.decode()
    assert "vendor/leaflet/leaflet" in html and "vendor/echarts/echarts" in html
    assert "cdn" not in html.lower()


def _pdf_text(data: bytes) -> str:
    return "".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def test_a_report_pdf_holds_the_chinese_text_and_the_xlsx_the_same_figures(
    world, django_capture_on_commit_callbacks
):
    case_report(
        actor=world.users["grid_worker"],
        category=CaseCategory.objects.first(),
        description="楼道堆放杂物",
        micro_grid=world.regions["M1"],
        source="worker",
    )
    aggregate_regions()
    with django_capture_on_commit_callbacks(execute=True):
        report = reports.report_request(
            actor=world.users["community_worker"], region=world.regions["C"], period="week"
        )
    report.refresh_from_db()
    assert report.status == "ready", report.error
    text = _pdf_text(report.pdf.read())
    for words in ("兴乐社区", "周报", "本期受理事件", "第1网格(红星小区)", "每周受理事件"):
        assert words in text, words
    sheet = load_workbook(io.BytesIO(report.xlsx.read()))["概况"]
    values = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert values["本期受理事件"] == "1"
    start, end = reports.period_of("week", timezone.localdate())
    assert (report.starts_on, report.ends_on) == (start, end) and start.weekday() == 0


def test_reports_are_generated_for_the_last_week_and_month_once_and_archived(world):
    today = dt.date(2026, 12, 2)  # a Wednesday
    made = reports.generate_due_reports(today)
    levels = 2 + 3 + 4  # districts, streets, communities of the test world
    assert made == 2 * levels
    week = Report.objects.filter(period="week").first()
    assert (week.starts_on, week.ends_on) == (dt.date(2026, 11, 23), dt.date(2026, 11, 29))
    month = Report.objects.filter(period="month").first()
    assert (month.starts_on, month.ends_on) == (dt.date(2026, 11, 1), dt.date(2026, 11, 30))
    assert "这一期结束时还没有统计数据" in _pdf_text(month.pdf.read())  # no row that day: said
    assert reports.generate_due_reports(today) == 0  # archived, not made again


def test_reports_are_listed_requested_and_downloaded_within_scope(
    world, django_capture_on_commit_callbacks
):
    client = world.client("community_worker")
    url = reverse("report_list", args=[world.regions["C"].pk])
    assert "还没有报告" in client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(url, {"period": "month"}).status_code == 302
    report = Report.objects.get()
    download = client.get(reverse("report_file", args=[report.pk, "pdf"]))
    assert download.status_code == 200
    assert b"".join(download.streaming_content).startswith(b"%PDF")
    assert client.post(url, {"period": "year"}).status_code == 400
    grid_url = reverse("report_list", args=[world.regions["G1"].pk])
    refused = client.post(grid_url, {"period": "week"})
    assert refused.status_code == 400 and "按社区、街道和区生成" in refused.content.decode()
    outsider = world.client("grid_worker2")
    assert outsider.get(reverse("report_file", args=[report.pk, "pdf"])).status_code == 404
    assert world.client("micro_grid_worker").post(url, {"period": "week"}).status_code == 404


@pytest.mark.parametrize("kind", ["doc", "pdf"])
def test_a_missing_report_file_is_not_found(world, kind):
    assert (
        world.client("community_worker").get(reverse("report_file", args=[999, kind])).status_code
        == 404
    )


def test_a_configured_tile_layer_reaches_the_page_and_its_host_the_csp(world, settings):
    from weiwang.env import tile_sources

    settings.MAP_TILES = "https://t{s}.tianditu.gov.cn/vec_w/wmts?TILEMATRIX={z}&tk=KEY"
    page = world.client("community_worker").get(reverse("dashboard", args=[world.regions["C"].pk]))
    assert page.context["tiles"]["url"] == settings.MAP_TILES
    assert tile_sources(settings.MAP_TILES) == ["https://*.tianditu.gov.cn"]
    assert tile_sources("") == []  # no tiles: nothing fetched from outside, a plain background


def test_the_api_gives_a_region_and_its_children_and_takes_a_boundary(world):
    aggregate_regions()
    client = world.api("community_worker")
    url = f"/api/v1/dashboards/{world.regions['C'].pk}"
    body = client.get(url).json()
    assert body["figures"]["residents"] == 4 and body["rates"]["closure_rate"] is None
    assert [c["name"] for c in body["children"]] == ["第1网格(红星小区)", "第2网格(汉嘉国际社区)"]
    assert client.get(f"/api/v1/dashboards/{world.regions['C2'].pk}").status_code == 404
    put = client.post(
        f"{url}/boundary", data=json.dumps({"geometry": SQUARE}), content_type="application/json"
    )
    assert put.status_code == 200 and Boundary.objects.filter(region=world.regions["C"]).exists()
    bad = client.post(
        f"{url}/boundary",
        data=json.dumps({"geometry": {"type": "Point"}}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "boundary_type"
    refused = world.api("micro_grid_worker").post(
        f"/api/v1/dashboards/{world.regions['M1'].pk}/boundary",
        data=json.dumps({"geometry": SQUARE}),
        content_type="application/json",
    )
    assert refused.status_code == 404
