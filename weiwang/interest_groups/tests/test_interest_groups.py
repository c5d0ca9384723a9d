"""Interest groups and venues: joining openly or by request, recommendations explained from age
and survey answers, bookings on the slot grid, no double booking (also under concurrent
requests on PostgreSQL), approval, rejection and cancellation freeing the slots."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.urls import reverse
from django.utils import timezone

from weiwang.core.errors import ApplicationError
from weiwang.interest_groups import selectors, services
from weiwang.interest_groups.models import Booking, BookingSlot, Membership, Venue


@pytest.fixture
def club(world):
    world.group = services.group_create(
        actor=world.users["community_worker"],
        community=world.regions["C"],
        name="兴乐乒乓球社",
        kind="table_tennis",
        organiser=world.users["grid_worker"],
        meets="每周三 19:00 香城体育公园",
        min_age=40,
        max_age=80,
    )
    world.venue = Venue.objects.create(
        name="香城体育公园乒乓球台",
        place="香城体育公园",
        community=world.regions["C"],
        region_path=world.regions["C"].path,
        opens_at=dt.time(8, 0),
        closes_at=dt.time(21, 0),
        slot_minutes=60,
        needs_approval=True,
    )
    return world


def _tomorrow(hour: int) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=1)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _book(world, start_hour, hours=1, group=None):
    return services.booking_create(
        actor=world.users["grid_worker"],
        venue=world.venue,
        group=group or world.group,
        starts_at=_tomorrow(start_hour),
        ends_at=_tomorrow(start_hour + hours),
    )


def test_open_groups_take_members_at_once_and_others_by_request(club):
    resident = club.users["resident"]
    assert services.group_join(user=resident, group=club.group).status == "member"
    with pytest.raises(ApplicationError):
        services.group_join(user=resident, group=club.group)
    services.group_leave(user=resident, group=club.group)
    club.group.join_mode = "request"
    club.group.save()
    pending = services.group_join(user=resident, group=club.group)
    assert pending.status == "pending"
    decided = services.membership_decide(
        actor=club.users["grid_worker"], membership=pending, accept=True
    )
    assert decided.status == "member"
    with pytest.raises(ApplicationError):  # the organiser stays
        services.group_leave(user=club.users["grid_worker"], group=club.group)


def test_recommendations_are_explained_by_survey_answers_and_age(club):
    from weiwang.surveys import services as surveys

    resident = club.users["resident"]  # 李秀英, born 1958
    actor = club.users["community_worker"]
    form = surveys.form_create(actor=actor, title="居民运动偏好调查")
    sports = surveys.question_add(
        actor=actor, form=form, kind="multiple", label="喜欢哪些运动", choices=["乒乓球", "舞蹈"]
    )
    campaign = surveys.campaign_create(
        actor=actor,
        form=form,
        region=club.regions["M1"],
        title="运动偏好",
        deadline=timezone.now() + dt.timedelta(days=3),
    )
    assert [r.reasons for r in selectors.recommendations(resident)] == [["适合你的年龄"]]
    surveys.task_answer(
        actor=actor,
        task=campaign.tasks.get(),
        raw={str(sports.pk): ["乒乓球"]},
        idempotency_key="sports-0001",
    )
    [recommended] = selectors.recommendations(resident)
    assert recommended.group == club.group
    assert recommended.reasons == ["因为你选择了乒乓球", "适合你的年龄"]
    services.group_join(user=resident, group=club.group)
    assert selectors.recommendations(resident) == []  # not recommended once joined


def test_a_slot_cannot_be_booked_twice_and_frees_when_rejected_or_cancelled(club):
    first = _book(club, 9, hours=2)
    assert first.status == "pending" and BookingSlot.objects.count() == 2
    with pytest.raises(ApplicationError, match="已被预约"):
        _book(club, 10)  # overlaps the second hour
    later = _book(club, 11)
    services.booking_decide(actor=club.users["community_worker"], booking=first, approve=False)
    assert _book(club, 10).status == "pending"  # the rejected booking's slots are free
    services.booking_cancel(actor=club.users["grid_worker"], booking=later)
    _book(club, 11)


def test_bookings_keep_to_opening_hours_the_slot_grid_and_the_future(club):
    with pytest.raises(ApplicationError, match="开放时间"):
        _book(club, 20, hours=2)
    with pytest.raises(ApplicationError, match="60 分钟"):
        services.booking_create(
            actor=club.users["grid_worker"],
            venue=club.venue,
            group=club.group,
            starts_at=_tomorrow(9) + dt.timedelta(minutes=30),
            ends_at=_tomorrow(10),
        )
    with pytest.raises(ApplicationError):
        services.booking_create(
            actor=club.users["grid_worker"],
            venue=club.venue,
            group=club.group,
            starts_at=_tomorrow(9) - dt.timedelta(days=3),
            ends_at=_tomorrow(10) - dt.timedelta(days=3),
        )


@pytest.mark.django_db(transaction=True)
def test_concurrent_requests_for_one_slot_leave_one_booking(club):
    barrier = threading.Barrier(10)
    outcomes = []
    lock = threading.Lock()

    def book():
        try:
            barrier.wait()
            _book(club, 14)
            result = "booked"
        except ApplicationError:
            result = "refused"
        finally:
            connections.close_all()
        with lock:
            outcomes.append(result)

    threads = [threading.Thread(target=book) for _ in range(10)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert outcomes.count("booked") == 1 and outcomes.count("refused") == 9
    assert Booking.objects.filter(status="pending").count() == 1


# Pages


def test_residents_see_groups_with_reasons_and_join_on_the_page(club):
    client = club.client("resident")
    page = client.get(reverse("group_list"))
    assert "兴乐乒乓球社" in page.content.decode() and "适合你的年龄" in page.content.decode()
    client.post(reverse("group_join", args=[club.group.pk]))
    assert Membership.objects.filter(group=club.group, user=club.users["resident"]).exists()
    assert (
        club.client("nobody").get(reverse("group_detail", args=[club.group.pk])).status_code == 404
    )


def test_the_organiser_books_on_the_page_and_staff_approve(club):
    client = club.client("grid_worker")
    url = reverse("venue_detail", args=[club.venue.pk])
    start = timezone.localtime(_tomorrow(18))
    form = {
        "group": club.group.pk,
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": (start + dt.timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M"),
    }
    assert client.post(url, form).status_code == 302
    clash = client.post(url, form)
    assert clash.status_code == 400 and "已被预约" in clash.content.decode()
    booking = Booking.objects.get()
    staff = club.client("community_worker")
    assert booking in list(staff.get(reverse("venue_list")).context["pending"])
    staff.post(reverse("booking_decide", args=[booking.pk]), {"approve": "1"})
    booking.refresh_from_db()
    assert booking.status == "approved"
    day = client.get(url + f"?day={start.date()}")
    assert any(b == booking for _at, b in day.context["slots"])


def test_the_organiser_sets_up_a_group_event_that_only_members_sign_up_for(club):
    from weiwang.volunteers.models import Activity
    from weiwang.volunteers.services import signup_create

    client = club.client("grid_worker")  # the organiser, not community staff
    start = timezone.localtime() + dt.timedelta(days=2)
    response = client.post(
        reverse("activity_new") + f"?group={club.group.pk}",
        {
            "group": club.group.pk,
            "title": "乒乓球友谊赛",
            "place": "香城体育公园",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + dt.timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "capacity": "16",
        },
    )
    event = Activity.objects.get()
    assert response.status_code == 302 and event.group == club.group
    shift = event.shifts.get()
    with pytest.raises(ApplicationError, match="请先加入社群"):
        signup_create(volunteer=club.users["resident"], shift=shift)
    services.group_join(user=club.users["resident"], group=club.group)
    assert signup_create(volunteer=club.users["resident"], shift=shift).status == "confirmed"
    assert (
        club.client("grid_worker2")
        .get(reverse("activity_new") + f"?group={club.group.pk}")
        .status_code
        == 404
    )


# API


def test_the_api_recommends_joins_and_books(club):
    resident = club.api("resident")
    [recommended] = resident.get("/api/v1/community/groups/recommended").json()
    assert recommended["reasons"] == ["适合你的年龄"]
    joined = resident.post(f"/api/v1/community/groups/{club.group.pk}/join")
    assert joined.status_code == 201 and joined.json()["status"] == "member"
    slots = resident.get(f"/api/v1/community/venues/{club.venue.pk}/slots").json()
    assert len(slots) == 13 and all(s["free"] for s in slots)
    organiser = club.api("grid_worker")
    body = {
        "group_id": club.group.pk,
        "starts_at": _tomorrow(10).isoformat(),
        "ends_at": _tomorrow(12).isoformat(),
    }
    made = organiser.post(
        f"/api/v1/community/venues/{club.venue.pk}/bookings", body, "application/json"
    )
    assert made.status_code == 201 and made.json()["status"] == "pending"
    clash = organiser.post(
        f"/api/v1/community/venues/{club.venue.pk}/bookings", body, "application/json"
    )
    assert clash.status_code == 400 and clash.json()["error"]["code"] == "taken"
    not_organiser = resident.post(
        f"/api/v1/community/venues/{club.venue.pk}/bookings", body, "application/json"
    )
    assert not_organiser.status_code == 404
