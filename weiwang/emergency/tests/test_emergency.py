"""Emergency mode: switching a community on (sweep of every household, duty called up, everyone
told) and off (summary, records kept), duty confirmation, help requests through their moves, and
the per-household status board."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from weiwang.core.errors import ApplicationError
from weiwang.emergency import services
from weiwang.emergency.models import DutyCall, Emergency, HelpRequest
from weiwang.notices.models import Notification
from weiwang.surveys import services as survey_services
from weiwang.surveys.models import SurveyTask
from weiwang.surveys.task_views import public_token


@pytest.fixture
def template(world):
    actor = world.users["community_worker"]
    form = survey_services.form_create(actor=actor, title="应急摸排模板", is_sweep_template=True)
    survey_services.question_add(
        actor=actor, form=form, kind="yes_no", label="家人是否平安", required=True
    )
    return form


def _start(world, template, region="C", **extra):
    return services.emergency_start(
        actor=world.users["community_worker"],
        region=world.regions[region],
        reason="暴雨内涝",
        template=template,
        **extra,
    )


def _task(emergency, world, resident="zhangsan"):
    return SurveyTask.objects.get(
        campaign=emergency.sweep, household=world.residents[resident].household
    )


def test_switching_on_sweeps_every_household_and_calls_up_duty(
    world, template, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        emergency = _start(world, template)
    assert emergency.sweep.task_count == 3 and emergency.sweep.allow_public
    hours = (emergency.sweep.deadline - emergency.started_at).total_seconds() / 3600
    assert round(hours) == 3
    called = set(
        DutyCall.objects.filter(emergency=emergency).values_list("user__username", flat=True)
    )
    assert called == {
        "community_worker",
        "grid_worker",
        "grid_worker2",
        "micro_grid_worker",
        "building_head",
        "party_member",
    }
    told = set(Notification.objects.values_list("user__username", flat=True))
    assert called | {"district_admin", "street_admin"} <= told
    assert "resident" not in told


def test_the_banner_shows_on_every_page_in_and_above_the_region(world, template):
    emergency = _start(world, template)
    for persona in ("micro_grid_worker", "street_admin", "resident"):
        page = world.client(persona).get(reverse("home"), follow=True)
        assert "处于应急状态:暴雨内涝" in page.content.decode(), persona
    elsewhere = world.client("nobody").get(reverse("home"), follow=True)
    assert "暴雨内涝" not in elsewhere.content.decode()
    services.emergency_end(
        actor=world.users["community_worker"], emergency=emergency, summary="完成"
    )
    again = world.client("micro_grid_worker").get(reverse("home"), follow=True)
    assert "处于应急状态" not in again.content.decode()


def test_a_region_cannot_be_switched_on_twice_or_below_community(world, template):
    _start(world, template)
    with pytest.raises(ApplicationError):
        _start(world, template)
    with pytest.raises(ApplicationError):
        _start(world, template, region="S")  # the street above is covered by the community's
    with pytest.raises(ApplicationError):
        _start(world, template, region="G4")
    with pytest.raises(ApplicationError):
        services.emergency_start(
            actor=world.users["community_worker"],
            region=world.regions["C3"],
            reason=" ",
            template=template,
        )


def test_switching_off_needs_a_summary_and_keeps_the_records(world, template):
    emergency = _start(world, template)
    HelpRequest.objects.create(
        emergency=emergency,
        household=world.residents["zhangsan"].household,
        micro_grid=world.regions["M1"],
        region_path=world.residents["zhangsan"].region_path,
        kind="medicine",
        details="降压药",
    )
    with pytest.raises(ApplicationError):
        services.emergency_end(
            actor=world.users["community_worker"], emergency=emergency, summary=""
        )
    services.emergency_end(
        actor=world.users["community_worker"], emergency=emergency, summary="联系 3 户,送药 1 次"
    )
    emergency.refresh_from_db()
    assert emergency.ended_at and emergency.summary.startswith("联系")
    assert emergency.sweep.status == "closed" and emergency.sweep.tasks.count() == 3
    assert HelpRequest.objects.filter(emergency=emergency).count() == 1
    _start(world, template)  # and the community can be switched on again later


def test_help_requests_move_from_requested_to_confirmed(world, template):
    emergency = _start(world, template)
    household = world.residents["zhangsan"].household
    request = services.help_request_create(
        actor=None, emergency=emergency, household=household, kind="medicine", details="降压药两盒"
    )
    with pytest.raises(ApplicationError):
        services.help_move(actor=None, request=request, move="deliver")
    with pytest.raises(ApplicationError):  # only someone called up to duty
        services.help_move(
            actor=None, request=request, move="assign", assignee=world.users["nobody"]
        )
    worker = world.users["micro_grid_worker"]
    request = services.help_move(
        actor=world.users["community_worker"], request=request, move="assign", assignee=worker
    )
    request = services.help_move(actor=worker, request=request, move="deliver", note="已送到门口")
    request = services.help_move(actor=None, request=request, move="confirm")
    assert request.status == "confirmed" and request.confirmed_at and request.note == "已送到门口"
    outside = world.residents["sunqi"].household
    with pytest.raises(ApplicationError):
        services.help_request_create(
            actor=None, emergency=emergency, household=outside, kind="medicine", details="x"
        )


def test_the_board_counts_households_reached_needing_help_and_helped(world, template):
    emergency = _start(world, template)
    worker = world.users["micro_grid_worker"]
    survey_services.task_answer(
        actor=worker,
        task=_task(emergency, world),
        raw={str(emergency.sweep.form.questions.get().pk): "yes"},
        idempotency_key="sweep-000001",
    )
    services.help_request_create(
        actor=worker,
        emergency=emergency,
        household=world.residents["zhaoliu"].household,
        kind="supplies",
        details="米和油",
    )
    page = world.client("community_worker").get(reverse("emergency_detail", args=[emergency.pk]))
    total = page.context["total"]
    assert (total.total, total.reached, total.needs_help, total.helped) == (3, 2, 1, 0)
    unreached = [t.household_id for t in page.context["unreached"]]
    assert unreached == [world.residents["wangwu"].household_id]
    grid_page = world.client("grid_worker").get(reverse("emergency_detail", args=[emergency.pk]))
    assert grid_page.context["total"].total == 2  # grid 1 only


def test_duty_is_confirmed_on_the_page_by_those_called_up(world, template):
    emergency = _start(world, template)
    head = world.client("building_head")
    page = head.get(reverse("emergency_detail", args=[emergency.pk]))
    assert page.status_code == 200 and "确认到岗" in page.content.decode()
    assert "board" not in page.context  # no household board for a building head
    head.post(reverse("emergency_duty", args=[emergency.pk]))
    assert DutyCall.objects.get(user=world.users["building_head"]).confirmed_at
    outsider = world.client("nobody")
    assert outsider.get(reverse("emergency_detail", args=[emergency.pk])).status_code == 404


def test_staff_switch_on_and_off_on_the_pages(world, template):
    client = world.client("community_worker")
    bad = client.post(
        reverse("emergency_start"),
        {"region": world.regions["C"].pk, "reason": "", "template": template.pk, "hours": "3"},
    )
    assert bad.status_code == 400 and "请填写启动原因" in bad.content.decode()
    response = client.post(
        reverse("emergency_start"),
        {"region": world.regions["C"].pk, "reason": "停水", "template": template.pk, "hours": "2"},
    )
    emergency = Emergency.objects.get()
    assert response["Location"] == reverse("emergency_detail", args=[emergency.pk])
    outside = client.post(
        reverse("emergency_start"),
        {"region": world.regions["C2"].pk, "reason": "停水", "template": template.pk, "hours": "2"},
    )
    assert outside.status_code == 404
    ended = client.post(
        reverse("emergency_end", args=[emergency.pk]), {"summary": "恢复供水"}, follow=True
    )
    assert "已解除应急状态" in ended.content.decode()
    assert (
        world.client("grid_worker").post(reverse("emergency_end", args=[emergency.pk])).status_code
        == 404
    )


def test_a_household_asks_for_help_through_its_sweep_link_and_confirms_delivery(world, template):
    emergency = _start(world, template)
    task = _task(emergency, world)
    anonymous = Client()
    fill = anonymous.get(reverse("survey_public", args=[public_token(task)]))
    assert "我家需要帮助" in fill.content.decode()
    url = reverse("emergency_public_help", args=[public_token(task)])
    bad = anonymous.post(url, {"kind": "medicine", "details": ""})
    assert bad.status_code == 400 and "请写明需要什么" in bad.content.decode()
    anonymous.post(url, {"kind": "medicine", "details": "胰岛素"})
    request = HelpRequest.objects.get()
    assert request.household == task.household and request.requested_by is None
    services.help_move(
        actor=None, request=request, move="assign", assignee=world.users["micro_grid_worker"]
    )
    world.client("micro_grid_worker").post(
        reverse("emergency_help_move", args=[request.pk]), {"move": "deliver"}
    )
    anonymous.post(url, {"confirm": request.pk})
    request.refresh_from_db()
    assert request.status == "confirmed"


def test_a_worker_registers_help_for_a_household_from_the_sweep(world, template):
    emergency = _start(world, template)
    task = _task(emergency, world)
    client = world.client("micro_grid_worker")
    page = client.get(reverse("survey_task", args=[task.pk]))
    assert reverse("emergency_help_new", args=[task.pk]) in page.content.decode()
    client.post(
        reverse("emergency_help_new", args=[task.pk]), {"kind": "medical", "details": "需要就医"}
    )
    assert HelpRequest.objects.get().requested_by == world.users["micro_grid_worker"]


def test_the_api_switches_on_reports_the_board_and_ends(world, template):
    staff = world.api("community_worker")
    bad = staff.post(
        "/api/v1/emergencies",
        {"region_id": world.regions["C"].pk, "reason": "", "template_id": template.pk},
        "application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "reason"
    started = staff.post(
        "/api/v1/emergencies",
        {"region_id": world.regions["C"].pk, "reason": "地震", "template_id": template.pk},
        "application/json",
    ).json()
    worker = world.api("micro_grid_worker")
    household = world.residents["zhangsan"].household_id
    made = worker.post(
        f"/api/v1/emergencies/{started['id']}/help",
        {"household_id": household, "kind": "supplies", "details": "饮用水"},
        "application/json",
    )
    assert made.status_code == 201
    assert worker.post(f"/api/v1/emergencies/{started['id']}/duty").status_code == 200
    detail = staff.get(f"/api/v1/emergencies/{started['id']}").json()
    assert detail["board"]["needs_help"] == 1 and detail["on_duty"] == 1
    other = worker.post(
        f"/api/v1/emergencies/{started['id']}/help",
        {
            "household_id": world.residents["wangwu"].household_id,
            "kind": "supplies",
            "details": "x",
        },
        "application/json",
    )
    assert other.status_code == 404  # another micro-grid's household
    ended = staff.post(
        f"/api/v1/emergencies/{started['id']}/end", {"summary": "结束"}, "application/json"
    )
    assert ended.json()["ended_at"]
