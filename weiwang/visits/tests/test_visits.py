"""Visits: due and overdue by tier (with the 24-hour rule after a major change), recorded once
per idempotency key with the phone's original time, a problem found becoming a case, coverage."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from weiwang.cases.models import CaseCategory
from weiwang.core.errors import ApplicationError
from weiwang.people.models import LifeEvent, PopulationTag, Resident, ResidentTag
from weiwang.people.selectors import residents_for_user
from weiwang.visits.models import Visit
from weiwang.visits.services import coverage, due_for, visit_record, visit_to_case


@pytest.fixture
def tagged(world):
    """张三 lives alone-elderly (high risk: weekly), 赵六 is disabled (key: monthly)."""
    alone = PopulationTag.objects.create(
        code="living_alone_elderly", name="独居老人", purpose="走访"
    )
    disabled = PopulationTag.objects.create(code="disabled", name="残疾人", purpose="补贴")
    ResidentTag.objects.create(resident=world.residents["zhangsan"], tag=alone)
    ResidentTag.objects.create(resident=world.residents["zhaoliu"], tag=disabled)
    return world


def _record(world, key, resident_key, when, **extra):
    return visit_record(
        visitor=world.users["grid_worker"],
        household=world.residents[resident_key].household,
        kind="home",
        visited_at=when,
        idempotency_key=key,
        **extra,
    )


def _due(world, now=None):
    rows = due_for(Resident.objects.all(), now)
    return {r.resident.name: r for r in rows}


def test_due_and_overdue_by_tier(tagged):
    now = timezone.now()
    rows = _due(tagged, now)
    assert set(rows) == {"张三", "赵六"} and rows["张三"].overdue  # never visited: due now
    _record(tagged, "visit-zhangsan-1", "zhangsan", now - dt.timedelta(days=6))
    _record(tagged, "visit-zhaoliu-01", "zhaoliu", now - dt.timedelta(days=20))
    rows = _due(tagged, now)
    assert not rows["张三"].overdue and not rows["赵六"].overdue
    later = _due(tagged, now + dt.timedelta(days=2))
    assert later["张三"].overdue and not later["赵六"].overdue  # 8 days > weekly; 22 < 30
    assert _due(tagged, now + dt.timedelta(days=11))["赵六"].overdue


def test_a_major_change_makes_a_high_risk_visit_due_within_24_hours(tagged):
    now = timezone.now()
    _record(tagged, "visit-zhangsan-2", "zhangsan", now - dt.timedelta(days=1))
    assert not _due(tagged, now)["张三"].overdue
    LifeEvent.objects.create(
        resident=tagged.residents["lixiuying"], kind="death", occurred_on=timezone.localdate()
    )
    row = _due(tagged, now)["张三"]
    assert not row.overdue and row.due_at <= now + dt.timedelta(hours=24, minutes=1)
    assert "重大变化" in row.reason
    assert _due(tagged, now + dt.timedelta(hours=25))["张三"].overdue
    # A key-tier resident is not hurried by a change.
    LifeEvent.objects.create(
        resident=tagged.residents["zhaoliu"], kind="tag_added", occurred_on=timezone.localdate()
    )
    _record(tagged, "visit-zhaoliu-02", "zhaoliu", now - dt.timedelta(days=2))
    assert not _due(tagged, now + dt.timedelta(hours=30))["赵六"].overdue


def test_an_offline_visit_uploads_once_with_its_original_time(tagged):
    api = tagged.api("grid_worker")
    body = {
        "household_id": tagged.residents["zhangsan"].household_id,
        "kind": "home",
        "visited_at": "2026-11-20T15:30:00+08:00",
        "idempotency_key": "phone-7f3a9c21-offline",
        "found": "老人血压偏高,已提醒按时服药",
        "service": "送药",
        "wellbeing": {"mobility": "需扶行", "gas": "正常", "unknown": "dropped"},
    }
    first = api.post("/api/v1/visits", json.dumps(body), content_type="application/json")
    again = api.post("/api/v1/visits", json.dumps(body), content_type="application/json")
    assert first.status_code == 201 and again.status_code == 200
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1
    visit = Visit.objects.get()
    assert timezone.localtime(visit.visited_at).strftime("%Y-%m-%d %H:%M") == "2026-11-20 15:30"
    assert visit.wellbeing == {"mobility": "需扶行", "gas": "正常"}
    other = tagged.api("grid_worker2").post(
        "/api/v1/visits",
        json.dumps({**body, "idempotency_key": "other-key-123"}),
        content_type="application/json",
    )
    assert other.status_code == 404  # not their household
    future = api.post(
        "/api/v1/visits",
        json.dumps(
            {**body, "idempotency_key": "future-key-1", "visited_at": "2099-01-01T00:00:00Z"}
        ),
        content_type="application/json",
    )
    assert future.status_code == 400 and future.json()["error"]["code"] == "visited_at"


def test_a_problem_found_becomes_a_case_in_one_step(tagged):
    visit, _new = _record(
        tagged, "visit-case-0001", "zhangsan", timezone.now(), found="厨房燃气软管老化"
    )
    case = visit_to_case(
        actor=tagged.users["grid_worker"],
        visit=visit,
        category=CaseCategory.objects.get(code="safety"),
    )
    assert case.description == "厨房燃气软管老化"
    assert case.dwelling == tagged.residents["zhangsan"].household.dwelling
    with pytest.raises(ApplicationError):
        visit_to_case(actor=None, visit=visit, category=CaseCategory.objects.first())


def test_pages_list_record_and_cover(tagged):
    client = tagged.client("grid_worker")
    page = client.get("/visits/").content.decode()
    assert "红星小区3栋1单元501 · 张三" in page and "逾期" in page
    form = client.get(f"/visits/new/{tagged.residents['zhangsan'].household_id}/").content.decode()
    assert "idempotency_key" in form and "李秀英" in form
    response = client.post(
        f"/visits/new/{tagged.residents['zhangsan'].household_id}/",
        {
            "kind": "phone",
            "idempotency_key": "page-key-0001",
            "found": "一切正常",
            "visited_at": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        },
    )
    visit = Visit.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/visits/{visit.pk}/"
    again = client.post(
        f"/visits/new/{tagged.residents['zhangsan'].household_id}/",
        {"kind": "phone", "idempotency_key": "page-key-0001"},
    )
    assert again.status_code == 302 and Visit.objects.count() == 1  # a double tap
    rows = {
        r.name: r
        for r in coverage(tagged.regions["G1"], residents_for_user(tagged.users["grid_worker"]))
    }
    # 张三 had never been visited: every weekly visit due since the month began was missed.
    assert rows["第1微网格"].required >= 1 and rows["第1微网格"].on_time == 0
    assert rows["第1微网格"].overdue == 0 and rows["第2微网格"].never == 1
    page = client.get(f"/regions/{tagged.regions['G1'].pk}/coverage/").content.decode()
    assert "赵六" in page


def test_the_pages_offline_queue_uploads_once(tagged):
    client = tagged.client("grid_worker")
    body = {
        "household_id": tagged.residents["zhangsan"].household_id,
        "kind": "home",
        "visited_at": "2026-11-21T09:15",
        "idempotency_key": "queue-0123456789",
        "found": "在家",
        "wellbeing": {"speech": "清楚"},
    }
    first = client.post("/visits/upload/", json.dumps(body), content_type="application/json")
    again = client.post("/visits/upload/", json.dumps(body), content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"] and Visit.objects.count() == 1
    elsewhere = tagged.client("grid_worker2").post(
        "/visits/upload/",
        json.dumps({**body, "idempotency_key": "queue-other-99"}),
        content_type="application/json",
    )
    assert elsewhere.status_code == 404
    bad = client.post("/visits/upload/", "not json", content_type="application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_admins_change_the_rules_and_the_due_list_follows(tagged):
    from weiwang.visits.models import VisitRule, VisitTier

    admin = tagged.client("street_admin")
    high = VisitTier.objects.get(code="high_risk")
    key = VisitTier.objects.get(code="key")
    general = VisitTier.objects.get(code="general")
    form = {f"days-{t.pk}": t.interval_days for t in (high, key, general)}
    form |= {f"hours-{high.pk}": "24", "tag-living_alone_elderly": str(key.pk), "tag-disabled": ""}
    form[f"days-{key.pk}"] = "14"
    response = admin.post("/visits/rules/", form)
    assert response.status_code == 302
    key.refresh_from_db()
    assert key.interval_days == 14
    assert VisitRule.objects.get(tag_code="living_alone_elderly").tier == key
    assert not VisitRule.objects.filter(tag_code="disabled").exists()
    rows = _due(tagged)
    assert set(rows) == {"张三"} and rows["张三"].tier == key
    bad = admin.post("/visits/rules/", {**form, f"days-{key.pk}": "0"}, follow=True)
    assert "大于 0" in bad.content.decode()
    assert tagged.client("grid_worker").get("/visits/rules/").status_code == 404


def _jpeg(name="p.jpg"):
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(out, format="JPEG")
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def test_photos_taken_on_a_visit_are_kept_and_shown_only_in_scope(tagged):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = tagged.client("grid_worker")
    household = tagged.residents["zhangsan"].household_id
    form = {"kind": "home", "idempotency_key": "photo-visit-0001", "found": "燃气管老化"}
    bad = client.post(
        f"/visits/new/{household}/",
        {**form, "photos": SimpleUploadedFile("x.jpg", b"not an image")},
    )
    assert bad.status_code == 400 and "不是能识别的图片" in bad.content.decode()
    assert not Visit.objects.exists()
    response = client.post(f"/visits/new/{household}/", {**form, "photos": [_jpeg(), _jpeg()]})
    visit = Visit.objects.get()
    assert response["Location"] == f"/visits/{visit.pk}/" and visit.photos.count() == 2
    photo = visit.photos.first()
    url = f"/visits/{visit.pk}/photos/{photo.pk}/"
    assert url in client.get(f"/visits/{visit.pk}/").content.decode()
    shown = client.get(url)
    assert shown.status_code == 200 and shown["Content-Type"] == "image/jpeg"
    assert tagged.client("grid_worker2").get(url).status_code == 404


def test_coverage_counts_the_visits_due_this_month_and_those_made_on_time(tagged):
    # A month safely in the past, whatever today is.
    earlier = timezone.localtime().replace(day=1) - dt.timedelta(days=40)
    start = earlier.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    day = dt.timedelta(days=1)
    # 张三, weekly: last visited 3 days before the month; then on days 2 and 8 (on time: due on
    # days 4 and 9) and on day 17 (late: due on day 15).
    for n, offset in enumerate([-3, 2, 8, 17]):
        _record(tagged, f"month-zhangsan-{n}", "zhangsan", start + offset * day)
    # 赵六, monthly: last visited 10 days before the month; due on day 20, not visited yet.
    _record(tagged, "month-zhaoliu-0", "zhaoliu", start - 10 * day)
    now = start + 20 * day + dt.timedelta(hours=1)
    rows = {
        r.name: r
        for r in coverage(
            tagged.regions["G1"], residents_for_user(tagged.users["grid_worker"]), now
        )
    }
    assert (rows["第1微网格"].required, rows["第1微网格"].on_time) == (3, 2)
    assert (rows["第2微网格"].required, rows["第2微网格"].on_time) == (1, 0)
    assert rows["第2微网格"].overdue == 1 and rows["第1微网格"].overdue == 0


def test_a_visit_can_be_recorded_from_the_dwelling_page(tagged):
    household = tagged.residents["zhangsan"].household
    url = f"/dwellings/{household.dwelling_id}/"
    page = tagged.client("micro_grid_worker").get(url).content.decode()
    assert f"/visits/new/{household.pk}/" in page and "还没有走访记录" in page
    _record(tagged, "dwelling-page-01", "zhangsan", timezone.now())
    page = tagged.client("micro_grid_worker").get(url).content.decode()
    assert f"/visits/{Visit.objects.get().pk}/" in page
    resident_view = tagged.client("resident").get(url)
    assert "/visits/new/" not in resident_view.content.decode()


def test_the_api_gives_coverage_and_rules(tagged):
    _record(tagged, "api-coverage-01", "zhaoliu", timezone.now())
    api = tagged.api("grid_worker")
    rows = api.get(f"/api/v1/visits/coverage?region={tagged.regions['G1'].pk}").json()
    assert {r["name"]: r["never"] for r in rows} == {"第1微网格": 1, "第2微网格": 0}
    tiers = {t["code"]: t for t in api.get("/api/v1/visits/rules").json()}
    assert tiers["high_risk"]["after_change_hours"] == 24
    assert "living_alone_elderly" in tiers["high_risk"]["tag_codes"]
    assert api.get(f"/api/v1/visits/coverage?region={tagged.regions['G2'].pk}").status_code == 404
