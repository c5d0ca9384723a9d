"""The case pages: report with photos (EXIF stripped), similar cases, act, rate, lists."""

from __future__ import annotations

import io

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from weiwang.cases.models import Case, CaseCategory, CasePhoto, CaseState
from weiwang.notices.models import Notification


def _photo_with_location() -> SimpleUploadedFile:
    image = Image.new("RGB", (3000, 2000), "green")
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x0110] = "Phone X"  # Model
    exif[0x8825] = {1: "N", 2: (30.0, 40.0, 0.0)}  # GPS latitude 30°40'
    out = io.BytesIO()
    image.save(out, format="JPEG", exif=exif)
    return SimpleUploadedFile("现场.jpg", out.getvalue(), content_type="image/jpeg")


def test_a_worker_reports_with_a_photo_and_the_photo_loses_its_exif(world):
    client = world.client("micro_grid_worker")
    building = world.buildings["红星小区3"]
    page = client.get("/cases/new/").content.decode()
    assert "红星小区3栋" in page and "紧急程度" in page
    response = client.post(
        "/cases/new/",
        {
            "category": CaseCategory.objects.get(code="environment").pk,
            "description": "3栋楼道堆放纸箱",
            "building": building.pk,
            "room": "501",
            "source": "worker",
            "photos": [_photo_with_location()],
        },
    )
    case = Case.objects.get(description="3栋楼道堆放纸箱")
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.pk}/"
    assert case.dwelling.address == "红星小区3栋1单元501" and case.micro_grid == world.regions["M1"]
    stored = Image.open(CasePhoto.objects.get(case=case).image)
    assert max(stored.size) == 1600 and not stored.getexif()  # resized, nothing kept
    served = client.get(f"/cases/{case.pk}/photos/{case.photos.get().pk}/")
    assert served.status_code == 200 and served["Content-Type"] == "image/jpeg"
    assert Notification.objects.filter(user=world.users["micro_grid_worker"]).exists()


def test_a_similar_open_case_nearby_is_shown_before_reporting_again(world):
    client = world.client("micro_grid_worker")
    form = {
        "category": CaseCategory.objects.get(code="environment").pk,
        "description": "3栋楼道堆放纸箱杂物",
        "building": world.buildings["红星小区3"].pk,
        "source": "worker",
    }
    client.post("/cases/new/", form)
    second = client.post("/cases/new/", {**form, "description": "楼道里纸箱杂物很多"})
    assert second.status_code == 200 and "附近已有相似的事件" in second.content.decode()
    assert Case.objects.count() == 1
    client.post("/cases/new/", {**form, "description": "楼道里纸箱杂物很多", "confirm_new": "1"})
    assert Case.objects.count() == 2


def test_bad_reports_say_what_is_wrong(world):
    client = world.client("micro_grid_worker")
    response = client.post("/cases/new/", {"category": "", "description": ""})
    assert response.status_code == 400
    bad_photo = SimpleUploadedFile("a.jpg", b"not an image", content_type="image/jpeg")
    response = client.post(
        "/cases/new/",
        {
            "category": CaseCategory.objects.get(code="environment").pk,
            "description": "路灯坏了",
            "source": "worker",
            "photos": [bad_photo],
        },
    )
    assert response.status_code == 400 and "不是能识别的图片" in response.content.decode()
    hotline = client.post(
        "/cases/new/",
        {
            "category": CaseCategory.objects.get(code="environment").pk,
            "description": "热线转来",
            "source": "hotline",
        },
    )
    assert hotline.status_code == 400 and "工单编号" in hotline.content.decode()
    assert not Case.objects.exists()


def test_a_resident_reports_from_home_and_rates_the_result(world):
    resident = world.client("resident")
    category = CaseCategory.objects.get(code="environment")
    resident.post("/cases/new/", {"category": category.pk, "description": "楼下垃圾没人收"})
    case = Case.objects.get()
    assert (
        case.source == "resident"
        and case.dwelling == world.residents["lixiuying"].household.dwelling
    )
    worker = world.client("micro_grid_worker")
    worker.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 0})
    worker.post(f"/cases/{case.pk}/act/", {"action": "resolve", "version": 1, "note": "已清运"})
    page = resident.get(f"/cases/{case.pk}/").content.decode()
    assert "请评价处理结果" in page
    resident.post(f"/cases/{case.pk}/rate/", {"rating": "satisfied", "comment": "谢谢"})
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED and case.rating == "satisfied"
    # Somebody else's case is not theirs to see.
    other = world.client("party_member").get(f"/cases/{case.pk}/")
    assert other.status_code == 404


def test_a_stale_page_gets_a_conflict_message_and_nothing_is_lost(world):
    client = world.client("micro_grid_worker")
    category = CaseCategory.objects.get(code="environment")
    client.post(
        "/cases/new/", {"category": category.pk, "description": "井盖松动", "source": "worker"}
    )
    case = Case.objects.get()
    client.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 0})
    stale = client.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 0}, follow=True)
    assert "刚刚有人处理过" in stale.content.decode()
    case.refresh_from_db()
    assert case.state == CaseState.ACCEPTED and case.events.count() == 2


def test_lists_filter_and_the_todo_shows_my_tier(world, report):
    mine = report(category="environment")
    report(category="emergency", description="燃气泄漏")  # handled by the community
    client = world.client("micro_grid_worker")
    todo = client.get("/cases/todo/").content.decode()
    assert mine.title in todo and "燃气泄漏" not in todo
    community = world.client("community_worker").get("/cases/todo/").content.decode()
    assert "燃气泄漏" in community
    filtered = client.get("/cases/", {"category": CaseCategory.objects.get(code="emergency").pk})
    assert "燃气泄漏" in filtered.content.decode() and mine.title not in filtered.content.decode()
    empty = client.get("/cases/", {"q": "没有这件事"}).content.decode()
    assert "没有符合筛选条件的事件" in empty
    assert world.client("grid_worker2").get("/cases/").content.decode().count("燃气泄漏") == 0


def test_a_worker_registers_a_residents_complaint_for_them(world):
    client = world.client("micro_grid_worker")
    form = {
        "category": CaseCategory.objects.get(code="environment").pk,
        "description": "住户反映楼上漏水",
        "building": world.buildings["红星小区3"].pk,
        "source": "resident",
    }
    missing_room = client.post("/cases/new/", form)
    assert missing_room.status_code == 400 and "房号" in missing_room.content.decode()
    client.post("/cases/new/", {**form, "room": "501"})
    case = Case.objects.get()
    # 李秀英 (the resident persona) lives at 501 and is the one to rate it.
    assert case.source == "resident" and case.reporter == world.users["resident"]


def test_a_resident_joins_an_open_case_instead_of_reporting_again(world):
    worker = world.client("micro_grid_worker")
    category = CaseCategory.objects.get(code="environment")
    worker.post(
        "/cases/new/",
        {
            "category": category.pk,
            "description": "3栋楼道纸箱杂物堆积",
            "source": "worker",
            "building": world.buildings["红星小区3"].pk,
        },
    )
    case = Case.objects.get()
    resident = world.client("resident")
    page = resident.post(
        "/cases/new/", {"category": category.pk, "description": "楼道纸箱杂物太多"}
    )
    assert page.status_code == 200 and "我也遇到了" in page.content.decode()
    assert Case.objects.count() == 1
    assert resident.get(f"/cases/{case.pk}/").status_code == 404  # not theirs yet
    resident.post(f"/cases/{case.pk}/follow/")
    assert resident.get(f"/cases/{case.pk}/").status_code == 200
    assert case.title in resident.get("/cases/").content.decode()
    worker.post(f"/cases/{case.pk}/act/", {"action": "accept", "version": 0})
    worker.post(f"/cases/{case.pk}/act/", {"action": "resolve", "version": 1, "note": "已清理"})
    assert Notification.objects.filter(
        user=world.users["resident"], title__contains="已办结"
    ).exists()
    # A resolved case cannot be joined any more.
    other = world.client("party_member").post(f"/cases/{case.pk}/follow/")
    assert other.status_code == 404


def test_a_worker_reports_at_an_estates_common_areas(world):
    client = world.client("micro_grid_worker")
    estate = world.buildings["红星小区3"].estate
    page = client.get("/cases/new/").content.decode()
    assert f'value="e{estate.pk}"' in page and "红星小区(公共区域)" in page
    client.post(
        "/cases/new/",
        {
            "category": CaseCategory.objects.get(code="environment").pk,
            "description": "小区东门积水",
            "building": f"e{estate.pk}",
            "source": "worker",
        },
    )
    case = Case.objects.get()
    assert case.estate == estate and case.building is None
    assert case.micro_grid == world.regions["M1"]  # the worker's own micro-grid in the estate


def test_similar_cases_offered_to_staff_stay_in_their_scope(world, report):
    from weiwang.cases.selectors import similar_open_cases

    case = report(building=world.buildings["红星小区3"], estate=world.buildings["红星小区3"].estate)
    estate = world.buildings["红星小区3"].estate
    assert similar_open_cases(world.users["grid_worker"], estate=estate) == [case]
    assert similar_open_cases(world.users["grid_worker2"], estate=estate) == []
