"""Volunteering: the waitlist moves up on cancel, QR check-in edge cases (twice, without
sign-up, after the end), hours within the shift and points capped, the ledger is append-only,
redemption beyond stock or balance is refused, corrections with a reason."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from weiwang.core.errors import ApplicationError
from weiwang.volunteers import services
from weiwang.volunteers.models import PointEntry, PointRule, Reward, Signup
from weiwang.volunteers.views import _ACTIVITY_CODE

HOUR = dt.timedelta(hours=1)


@pytest.fixture
def activity(world):
    PointRule.objects.get_or_create(
        code="service",
        defaults={
            "name": "志愿服务时长",
            "points_per_hour": Decimal("1.0"),
            "max_hours_per_activity": Decimal("2.0"),
        },
    )
    start = timezone.now() + 2 * HOUR
    world.activity = services.activity_create(
        actor=world.users["community_worker"],
        community=world.regions["C"],
        title="元宵节送汤圆",
        place="社区广场",
        starts_at=start,
        ends_at=start + 4 * HOUR,
        shifts=[("煮汤圆", start, start + 3 * HOUR, 1)],
    )
    world.shift = world.activity.shifts.get()
    return world


def _sign(world, persona):
    return services.signup_create(volunteer=world.users[persona], shift=world.shift)


def test_a_full_shift_puts_people_on_a_waitlist_that_moves_up_on_cancel(activity):
    first = _sign(activity, "resident")
    second = _sign(activity, "party_member")
    third = _sign(activity, "micro_grid_worker")
    assert (first.status, second.status, third.status) == ("confirmed", "waitlisted", "waitlisted")
    with pytest.raises(ApplicationError):
        _sign(activity, "resident")  # once per shift
    promoted = services.signup_cancel(actor=activity.users["resident"], signup=first)
    assert promoted == second
    second.refresh_from_db()
    assert second.status == "confirmed"
    # A waitlisted person cancelling moves nobody.
    assert services.signup_cancel(actor=None, signup=third) is None
    assert _sign(activity, "resident").status == "waitlisted"  # may sign up again


def test_only_the_community_may_sign_up_for_a_community_activity(activity):
    with pytest.raises(ApplicationError):
        services.signup_create(volunteer=activity.users["nobody"], shift=activity.shift)


def test_check_in_edge_cases_twice_without_signup_and_after_the_end(activity):
    a, start = activity.activity, activity.activity.starts_at
    volunteer = activity.users["resident"]
    with pytest.raises(ApplicationError, match="没有报名"):
        services.check_in(volunteer=volunteer, activity=a, at=start)
    _sign(activity, "resident")
    waiting = _sign(activity, "party_member")
    with pytest.raises(ApplicationError, match="候补"):
        services.check_in(volunteer=waiting.volunteer, activity=a, at=start)
    with pytest.raises(ApplicationError, match="还没到"):
        services.check_in(volunteer=volunteer, activity=a, at=start - 2 * HOUR)
    with pytest.raises(ApplicationError, match="还没有签到"):
        services.check_out(volunteer=volunteer, activity=a, at=start)
    services.check_in(volunteer=volunteer, activity=a, at=start - dt.timedelta(minutes=20))
    with pytest.raises(ApplicationError, match="已经签到"):
        services.check_in(volunteer=volunteer, activity=a, at=start)
    signup = services.check_out(volunteer=volunteer, activity=a, at=start + 5 * HOUR)
    # Hours count within the shift only (3 h), points are capped at 2 hours.
    assert signup.minutes == 180
    assert services.balance(volunteer) == Decimal("2.0")
    with pytest.raises(ApplicationError, match="已经签退"):
        services.check_out(volunteer=volunteer, activity=a, at=start + 5 * HOUR)
    with pytest.raises(ApplicationError, match="已经结束"):
        services.check_in(volunteer=volunteer, activity=a, at=a.ends_at + HOUR)


def test_the_ledger_is_append_only(activity):
    entry = PointEntry.objects.create(
        volunteer=activity.users["resident"], points=Decimal("3"), kind="service", note="x"
    )
    entry.points = Decimal("300")
    with pytest.raises(ApplicationError):
        entry.save()
    with pytest.raises(ApplicationError):
        entry.delete()
    with pytest.raises(ApplicationError):
        PointEntry.objects.filter(pk=entry.pk).update(points=Decimal("300"))
    with pytest.raises(ApplicationError):
        PointEntry.objects.all().delete()
    assert PointEntry.objects.get(pk=entry.pk).points == Decimal("3")


@pytest.mark.django_db(transaction=True)
def test_postgresql_itself_refuses_to_change_the_ledger(django_user_model):
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("the trigger is PostgreSQL's; the model guard is tested above")
    user = django_user_model.objects.create_user(username="v1")
    entry = PointEntry.objects.create(volunteer=user, points=Decimal("1"), kind="service", note="x")
    with pytest.raises(Exception, match="append-only"), connection.cursor() as cursor:
        cursor.execute("UPDATE volunteers_pointentry SET points = 99 WHERE id = %s", [entry.pk])


def test_hours_are_corrected_with_a_reason_and_points_follow(activity):
    a, start = activity.activity, activity.activity.starts_at
    volunteer = activity.users["resident"]
    _sign(activity, "resident")
    services.check_in(volunteer=volunteer, activity=a, at=start)
    signup = services.check_out(volunteer=volunteer, activity=a, at=start + HOUR / 2)
    assert services.balance(volunteer) == Decimal("0.5")
    staff = activity.users["community_worker"]
    with pytest.raises(ApplicationError):
        services.hours_correct(actor=staff, signup=signup, minutes=90, reason="")
    services.hours_correct(actor=staff, signup=signup, minutes=90, reason="忘记签退")
    assert services.balance(volunteer) == Decimal("1.5")
    kinds = list(PointEntry.objects.filter(volunteer=volunteer).values_list("kind", flat=True))
    assert sorted(kinds) == ["correction", "service"]


def test_redemption_beyond_stock_or_balance_is_refused(activity):
    volunteer = activity.users["resident"]
    reward = Reward.objects.create(
        name="环保袋", community=activity.regions["C"], region_path="/", points=2, stock=1
    )
    with pytest.raises(ApplicationError, match="积分不够"):
        services.reward_redeem(volunteer=volunteer, reward=reward)
    PointEntry.objects.create(volunteer=volunteer, points=Decimal("5"), kind="service", note="x")
    services.reward_redeem(volunteer=volunteer, reward=reward)
    assert services.balance(volunteer) == Decimal("3") and Reward.objects.get().stock == 0
    with pytest.raises(ApplicationError, match="兑完"):
        services.reward_redeem(volunteer=volunteer, reward=reward)


# Pages


def test_a_volunteer_signs_up_checks_in_by_code_and_sees_points_on_pages(activity):
    client = activity.client("resident")
    page = client.get(reverse("activity_detail", args=[activity.activity.pk]))
    assert "元宵节送汤圆" in page.content.decode()
    client.post(reverse("shift_signup", args=[activity.shift.pk]))
    signup = Signup.objects.get(volunteer=activity.users["resident"])
    assert signup.status == "confirmed"
    url = reverse("activity_checkin", args=[_ACTIVITY_CODE.sign(str(activity.activity.pk))])
    too_early = client.post(url, {"move": "in"}, follow=True)
    assert "还没到签到时间" in too_early.content.decode()
    Signup.objects.filter(pk=signup.pk).update(checked_in_at=timezone.now() - 2 * HOUR)
    activity.activity.shifts.update(starts_at=timezone.now() - 2 * HOUR)
    done = client.post(url, {"move": "out"}, follow=True)
    assert "已签退" in done.content.decode()
    me = client.get(reverse("volunteer_me"))
    assert me.context["balance"] == Decimal("2.0")
    assert client.get(url[:-3] + "xx/").status_code == 404


def test_staff_publish_an_activity_and_see_the_code_and_signups(activity):
    client = activity.client("community_worker")
    start = timezone.localtime() + dt.timedelta(days=2)
    bad = client.post(
        reverse("activity_new"),
        {
            "title": "垃圾分类宣传",
            "community": activity.regions["C"].pk,
            "place": "社区广场",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start - HOUR).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "5",
        },
    )
    assert bad.status_code == 400 and "结束时间应晚于开始时间" in bad.content.decode()
    good = client.post(
        reverse("activity_new"),
        {
            "title": "垃圾分类宣传",
            "community": activity.regions["C"].pk,
            "place": "社区广场",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + 2 * HOUR).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "5",
        },
    )
    assert good.status_code == 302
    page = client.get(good["Location"])
    assert "<svg" in page.content.decode() and page.context["manages"]
    outsider = activity.client("nobody").get(good["Location"])
    assert outsider.status_code == 404


def test_staff_check_a_volunteer_in_by_scanning_their_code(activity):
    from weiwang.volunteers.views import _PERSON_CODE

    _sign(activity, "resident")
    activity.activity.shifts.update(starts_at=timezone.now() - HOUR)
    code = _PERSON_CODE.sign(str(activity.users["resident"].pk))
    staff = activity.client("community_worker")
    page = staff.get(reverse("volunteer_scan", args=[code]))
    assert [a.pk for a in page.context["activities"]] == [activity.activity.pk]
    staff.post(
        reverse("volunteer_scan", args=[code]), {"activity": activity.activity.pk, "move": "in"}
    )
    assert Signup.objects.get(volunteer=activity.users["resident"]).checked_in_at
    assert (
        activity.client("resident").get(reverse("volunteer_scan", args=[code])).status_code == 404
    )


# API


def test_the_api_signs_up_checks_in_with_the_code_and_reports_points(activity):
    api = activity.api("resident")
    listed = api.get("/api/v1/activities").json()
    assert [a["title"] for a in listed] == ["元宵节送汤圆"]
    shift = listed[0]["shifts"][0]
    made = api.post(f"/api/v1/activities/shifts/{shift['id']}/signups")
    assert made.status_code == 201 and made.json()["status"] == "confirmed"
    again = api.post(f"/api/v1/activities/shifts/{shift['id']}/signups")
    assert again.status_code == 400 and again.json()["error"]["code"] == "already"
    activity.activity.shifts.update(starts_at=timezone.now() - HOUR)
    code = _ACTIVITY_CODE.sign(str(activity.activity.pk))
    checked = api.post("/api/v1/activities/checkin", {"code": code}, "application/json")
    assert checked.status_code == 200 and checked.json()["checked_in_at"]
    forged = api.post("/api/v1/activities/checkin", {"code": code + "x"}, "application/json")
    assert forged.status_code == 404
    points = api.get("/api/v1/activities/points").json()
    assert points["balance"] == "0" or float(points["balance"]) == 0
    assert (
        activity.api("nobody").post(f"/api/v1/activities/shifts/{shift['id']}/signups").status_code
        == 404
    )


def test_a_bonus_for_taking_part_is_added_once_per_activity(activity):
    PointRule.objects.filter(code="service").update(bonus_per_activity=Decimal("1"))
    assert services.points_for(0) == Decimal("0")
    assert services.points_for(30) == Decimal("1.5")
    assert services.points_for(600) == Decimal("3.0")  # 2 h cap + 1 bonus


def test_admins_change_the_points_rule_on_the_page_and_it_is_audited(activity):
    from weiwang.audit.models import AuditEntry

    admin = activity.client("street_admin")
    bad = admin.post(reverse("point_rules"), {"points_per_hour": "-1", "max_hours": "2"})
    assert bad.status_code == 400 and "不能为负" in bad.content.decode()
    admin.post(reverse("point_rules"), {"points_per_hour": "2", "max_hours": "3", "bonus": "1"})
    assert services.points_for(240) == Decimal("7.0")  # 3 h × 2 + 1
    assert AuditEntry.objects.filter(action="points.rules").exists()
    assert activity.client("community_worker").get(reverse("point_rules")).status_code == 404
