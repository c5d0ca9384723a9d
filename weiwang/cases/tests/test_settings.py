"""Admins keep the categories, the time limits and the working calendar as data."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiwang.audit.models import AuditEntry
from weiwang.cases.calendar import deadline_for
from weiwang.cases.models import CalendarDay, CalendarYear, CaseCategory, TimeLimit


def test_an_admin_enters_and_confirms_a_new_year(world):
    admin = world.client("street_admin")
    start = timezone.make_aware(dt.datetime(2031, 9, 30, 10))
    assert deadline_for(start, 2, "working_days")[1] is True  # not entered yet
    page = admin.get("/cases/settings/calendar/2031/").content.decode()
    assert "还没有录入节假日" in page
    for day, working, name in [
        ("2031-10-01", "", "国庆节"),
        ("2031-10-02", "", "国庆节"),
        ("2031-10-03", "", "国庆节"),
        ("2031-10-06", "", "国庆节"),
        ("2031-10-11", "on", "调休上班"),
    ]:
        response = admin.post(
            "/cases/settings/calendar/2031/", {"date": day, "working": working, "name": name}
        )
        assert response.status_code == 302
    wrong_year = admin.post("/cases/settings/calendar/2031/", {"date": "2030-10-01", "name": "x"})
    assert wrong_year.status_code == 400 and "2031" in wrong_year.content.decode()
    admin.post("/cases/settings/calendar/2031/act/", {"what": "confirm", "source": "国办发明电"})
    assert CalendarYear.objects.get(year=2031).confirmed
    deadline, unconfirmed = deadline_for(start, 2, "working_days")
    assert not unconfirmed  # 10/7 Tue is day 1, 10/8 Wed day 2
    assert timezone.localtime(deadline).date() == dt.date(2031, 10, 9)
    admin.post("/cases/settings/calendar/2031/act/", {"what": "delete", "date": "2031-10-11"})
    assert not CalendarDay.objects.filter(date=dt.date(2031, 10, 11)).exists()
    assert AuditEntry.objects.filter(action="calendar.confirm").exists()


def test_categories_and_limits_are_editable_and_apply_to_new_cases(world, report):
    admin = world.client("district_admin")
    blue = TimeLimit.objects.get(code="blue")
    admin.post(
        f"/cases/settings/limits/{blue.pk}/", {"name": "一般(蓝)", "amount": 48, "unit": "hours"}
    )
    blue.refresh_from_db()
    assert blue.amount == 48
    case = report(category="environment")
    assert (case.deadline - case.created_at) < dt.timedelta(hours=49)
    environment = CaseCategory.objects.get(code="environment")
    response = admin.post(
        f"/cases/settings/categories/{environment.pk}/",
        {
            "name": "环境整治",
            "code": "environment",
            "default_tier": "grid",
            "default_limit": blue.pk,
            "auto_escalate": "on",
            "active": "on",
            "sort": 3,
        },
    )
    assert response.status_code == 302
    assert report(category="environment").tier == "grid"
    new = admin.post(
        "/cases/settings/categories/new/",
        {
            "name": "物业服务",
            "code": "property",
            "default_tier": "micro_grid",
            "default_limit": blue.pk,
            "active": "on",
            "sort": 20,
        },
    )
    assert new.status_code == 302 and CaseCategory.objects.filter(code="property").exists()
    duplicate = admin.post(
        "/cases/settings/categories/new/",
        {
            "name": "物业服务",
            "code": "property2",
            "default_tier": "grid",
            "default_limit": blue.pk,
            "sort": 1,
        },
    )
    assert duplicate.status_code == 400


def test_workers_cannot_change_settings(world):
    assert world.client("grid_worker").get("/cases/settings/").status_code == 404
    response = world.client("community_worker").post(
        "/cases/settings/calendar/2031/act/", {"what": "confirm"}
    )
    assert response.status_code == 404 and not CalendarYear.objects.filter(year=2031).exists()
