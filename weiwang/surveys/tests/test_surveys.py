"""Survey campaigns: tasks over a region subtree (one per household, to its micro-grid worker),
conditional questions, answers once per idempotency key, and the registry changed only after
staff confirm."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from weiwang.core.errors import ApplicationError
from weiwang.people.models import LifeEvent, PopulationTag, ResidentPhone, ResidentTag
from weiwang.surveys import services
from weiwang.surveys.models import Campaign, SurveyTask
from weiwang.surveys.task_views import public_token


@pytest.fixture
def survey(world):
    """春节返乡人员摸排: returned? → (if yes) when, how many, phone; a tag on 是."""
    PopulationTag.objects.create(code="returnee", name="返乡人员", purpose="摸排")
    actor = world.users["community_worker"]
    form = services.form_create(actor=actor, title="春节返乡人员摸排")
    returned = services.question_add(
        actor=actor,
        form=form,
        kind="yes_no",
        label="家中有人春节返乡吗",
        required=True,
        maps_to="tag",
        maps_tag="returnee",
    )
    when = services.question_add(
        actor=actor,
        form=form,
        kind="date",
        label="返乡日期",
        required=True,
        show_if=returned,
        show_if_value="yes",
    )
    count = services.question_add(
        actor=actor,
        form=form,
        kind="number",
        label="返乡人数",
        show_if=returned,
        show_if_value="yes",
    )
    phone = services.question_add(
        actor=actor, form=form, kind="text", label="联系电话", maps_to="phone"
    )
    world.survey = {"form": form, "returned": returned, "when": when, "count": count}
    world.survey["phone"] = phone
    return world


def _campaign(world, region="C", **extra):
    return services.campaign_create(
        actor=world.users["community_worker"],
        form=world.survey["form"],
        region=world.regions[region],
        title="春节返乡人员摸排",
        deadline=timezone.now() + dt.timedelta(days=3),
        **extra,
    )


def _task(campaign, world, resident="zhangsan"):
    return SurveyTask.objects.get(campaign=campaign, household=world.residents[resident].household)


def _answers(world, returned="yes", **extra):
    q = world.survey
    raw = {str(q["returned"].pk): returned, str(q["when"].pk): "2027-01-25"}
    raw |= {str(q["count"].pk): "2", str(q["phone"].pk): "13911112222"}
    return raw | extra


def test_a_campaign_makes_one_task_per_household_for_its_micro_grid_worker(survey):
    campaign = _campaign(survey)
    tasks = SurveyTask.objects.filter(campaign=campaign)
    # 兴乐社区: 张三 and 李秀英 share one household; 赵六 and 王五 have their own.
    assert campaign.task_count == tasks.count() == 3
    assert _task(campaign, survey).assignee == survey.users["micro_grid_worker"]
    assert _task(campaign, survey, "wangwu").assignee is None  # no worker in that micro-grid
    assert _task(campaign, survey, "zhaoliu").region_path.startswith(survey.regions["M1b"].path)
    assert _campaign(survey, region="S").task_count == 4  # the street adds 邻近社区


def test_a_campaign_can_target_tagged_households_and_skips_empty_ones(survey):
    only = _campaign(survey, tag_codes=["advanced_age"])
    assert list(only.tasks.values_list("household_id", flat=True)) == [
        survey.residents["zhangsan"].household_id
    ]
    survey.residents["wangwu"].status = "moved_out"
    survey.residents["wangwu"].save(update_fields=["status"])
    assert _campaign(survey).task_count == 2  # 王五's home is empty now


def test_a_campaign_needs_questions_a_future_deadline_and_known_tags(survey):
    empty = services.form_create(actor=survey.users["community_worker"], title="空问卷")
    with pytest.raises(ApplicationError):
        services.campaign_create(
            actor=survey.users["community_worker"],
            form=empty,
            region=survey.regions["C"],
            title="",
            deadline=timezone.now() + dt.timedelta(days=1),
        )
    with pytest.raises(ApplicationError):
        _campaign(survey, tag_codes=["no-such-tag"])
    with pytest.raises(ApplicationError):
        services.campaign_create(
            actor=survey.users["community_worker"],
            form=survey.survey["form"],
            region=survey.regions["C"],
            title="",
            deadline=timezone.now() - dt.timedelta(hours=1),
        )


def test_conditional_questions_are_required_only_when_shown_and_dropped_when_hidden(survey):
    questions = list(survey.survey["form"].questions.all())
    q = survey.survey
    kept = services.clean_answers(questions, _answers(survey, returned="no"))
    assert kept == {str(q["returned"].pk): "no", str(q["phone"].pk): "13911112222"}
    shown = services.clean_answers(questions, _answers(survey))
    assert shown[str(q["when"].pk)] == "2027-01-25" and shown[str(q["count"].pk)] == 2
    missing = _answers(survey)
    del missing[str(q["when"].pk)]
    with pytest.raises(ApplicationError, match="返乡日期"):
        services.clean_answers(questions, missing)


def test_answers_are_checked_for_their_type(survey):
    questions = list(survey.survey["form"].questions.all())
    q = survey.survey
    for key, bad in [
        ("count", "两个"),
        ("when", "1月25日"),
        ("returned", "maybe"),
        ("phone", "123"),
    ]:
        with pytest.raises(ApplicationError):
            services.clean_answers(questions, _answers(survey, **{str(q[key].pk): bad}))


def test_conditions_must_point_at_an_earlier_choice_of_the_same_form(survey):
    actor = survey.users["community_worker"]
    other = services.form_create(actor=actor, title="另一份")
    with pytest.raises(ApplicationError):
        services.question_add(
            actor=actor,
            form=other,
            kind="text",
            label="x",
            show_if=survey.survey["returned"],
            show_if_value="yes",
        )
    with pytest.raises(ApplicationError):
        services.question_add(
            actor=actor,
            form=survey.survey["form"],
            kind="text",
            label="x",
            show_if=survey.survey["count"],
            show_if_value="2",
        )
    with pytest.raises(ApplicationError):
        services.question_add(
            actor=actor, form=other, kind="single", label="运动", choices=["跑步"]
        )


def test_a_form_in_use_is_frozen_and_can_be_copied(survey):
    _campaign(survey)
    actor = survey.users["community_worker"]
    with pytest.raises(ApplicationError):
        services.question_add(actor=actor, form=survey.survey["form"], kind="text", label="新题")
    copy = services.form_copy(actor=actor, form=survey.survey["form"])
    assert copy.questions.count() == 4
    when = copy.questions.get(label="返乡日期")
    assert when.show_if.form == copy and when.show_if.label == "家中有人春节返乡吗"


def test_an_answer_is_stored_once_per_key_and_registry_changes_wait_for_confirmation(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    worker = survey.users["micro_grid_worker"]
    head = survey.residents["zhangsan"]
    phones = ResidentPhone.objects.filter(resident=head).count()
    earlier = timezone.now() - dt.timedelta(hours=2)
    task, created = services.task_answer(
        actor=worker,
        task=task,
        raw=_answers(survey),
        idempotency_key="k" * 16,
        answered_at=earlier,
    )
    assert created and task.answered_at == earlier
    again, created = services.task_answer(
        actor=worker, task=task, raw=_answers(survey, returned="no"), idempotency_key="k" * 16
    )
    assert not created and again.answers[str(survey.survey["returned"].pk)] == "yes"
    # Nothing in the registry yet.
    assert ResidentPhone.objects.filter(resident=head).count() == phones
    assert not ResidentTag.objects.filter(resident=head, tag__code="returnee").exists()
    changes = services.task_confirm(actor=survey.users["community_worker"], task=task)
    assert len(changes) == 2
    assert ResidentPhone.objects.filter(resident=head).count() == phones + 1
    assert ResidentTag.objects.filter(resident=head, tag__code="returnee").exists()
    assert LifeEvent.objects.filter(resident=head, kind="tag_added").exists()
    with pytest.raises(ApplicationError):
        services.task_answer(
            actor=worker, task=task, raw=_answers(survey), idempotency_key="n" * 16
        )
    with pytest.raises(ApplicationError):
        services.task_confirm(actor=survey.users["community_worker"], task=task)


def test_a_phone_already_on_file_is_not_added_twice(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    raw = _answers(survey, **{str(survey.survey["phone"].pk): "13800005678"})  # 张三's own
    services.task_answer(
        actor=survey.users["micro_grid_worker"], task=task, raw=raw, idempotency_key="p" * 16
    )
    changes = services.task_confirm(actor=survey.users["community_worker"], task=task)
    assert changes == ["张三 加上标签“返乡人员”"]


def test_an_unanswered_task_cannot_be_confirmed(survey):
    task = _task(_campaign(survey), survey)
    with pytest.raises(ApplicationError):
        services.task_confirm(actor=survey.users["community_worker"], task=task)


# Pages


def test_staff_build_a_form_with_a_condition_on_the_page(world):
    client = world.client("community_worker")
    response = client.post(reverse("survey_form_new"), {"title": "居民运动偏好调查"})
    form_url = response["Location"]
    client.post(form_url, {"label": "您平时运动吗", "kind": "yes_no", "required": "1"})
    page = client.get(form_url)
    first = page.context["questions"][0]
    response = client.post(
        form_url,
        {
            "label": "喜欢的运动",
            "kind": "multiple",
            "choices": "跑步\n广场舞\n乒乓球",
            "condition": f"{first.pk}:yes",
        },
    )
    assert response.status_code == 302
    questions = client.get(form_url).context["questions"]
    assert questions[1].show_if == first and questions[1].choices == ["跑步", "广场舞", "乒乓球"]
    bad = client.post(form_url, {"label": "只有一个选项", "kind": "single", "choices": "跑步"})
    assert bad.status_code == 400 and "至少要有两个选项" in bad.content.decode()


def test_staff_start_a_campaign_on_the_page_and_see_progress(survey):
    client = survey.client("community_worker")
    response = client.post(
        reverse("survey_campaign_new"),
        {
            "form": survey.survey["form"].pk,
            "region": survey.regions["C"].pk,
            "deadline": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    campaign = Campaign.objects.get()
    assert response["Location"] == reverse("survey_campaign", args=[campaign.pk])
    services.task_answer(
        actor=survey.users["micro_grid_worker"],
        task=_task(campaign, survey),
        raw=_answers(survey),
        idempotency_key="a" * 16,
    )
    page = client.get(response["Location"])
    assert page.context["total"] == 3 and page.context["done"] == 1
    grids = {p.region.name: (p.done, p.total) for p in page.context["grids"]}
    assert grids == {"第1网格(红星小区)": (1, 2), "第2网格(汉嘉国际社区)": (0, 1)}
    returned = page.context["results"][0]
    assert returned.options[0] == ("是", 1, 100)


def test_a_campaign_outside_ones_scope_is_refused(survey):
    client = survey.client("grid_worker")
    response = client.post(
        reverse("survey_campaign_new"),
        {
            "form": survey.survey["form"].pk,
            "region": survey.regions["C2"].pk,
            "deadline": (timezone.localtime() + dt.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 404 and not Campaign.objects.exists()


def test_a_worker_fills_a_task_on_the_phone_and_sees_mistakes_explained(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    client = survey.client("micro_grid_worker")
    listing = client.get(reverse("survey_tasks"))
    assert [t.pk for t in listing.context["page"]] == [task.pk]
    q = survey.survey
    url = reverse("survey_task", args=[task.pk])
    bad = client.post(
        url,
        {f"q-{q['returned'].pk}": "yes", f"q-{q['count'].pk}": "2", "idempotency_key": "b" * 16},
    )
    assert bad.status_code == 400 and "返乡日期" in bad.content.decode()
    assert 'value="2"' in bad.content.decode()  # what was typed is kept
    good = client.post(
        url,
        {
            f"q-{q['returned'].pk}": "yes",
            f"q-{q['when'].pk}": "2027-01-26",
            "idempotency_key": "c" * 16,
        },
    )
    assert good.status_code == 302
    task.refresh_from_db()
    assert task.answers[str(q["when"].pk)] == "2027-01-26" and task.source == "worker"
    other = _task(campaign, survey, "wangwu")
    assert client.get(reverse("survey_task", args=[other.pk])).status_code == 404


def test_answers_queued_offline_upload_once(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    q = survey.survey
    client = survey.client("micro_grid_worker")
    body = {
        "task_id": task.pk,
        "idempotency_key": "offline-" + "9" * 10,
        "answers": {f"q-{q['returned'].pk}": "no", f"q-{q['phone'].pk}": "13911112222"},
        "queued_at": "2026-11-20T01:30:00.000Z",  # filled in the basement, sent later
    }
    first = client.post(reverse("survey_upload"), json.dumps(body), "application/json")
    second = client.post(reverse("survey_upload"), json.dumps(body), "application/json")
    assert (first.status_code, second.status_code) == (201, 200)
    task.refresh_from_db()
    assert task.answered_at == dt.datetime(2026, 11, 20, 1, 30, tzinfo=dt.UTC)
    assert first.json()["id"] == second.json()["id"] == task.pk
    bad = client.post(reverse("survey_upload"), "not json", "application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "invalid"


def test_a_household_answers_its_public_link_only_where_allowed(survey):
    campaign = _campaign(survey, allow_public=True)
    task = _task(campaign, survey)
    url = reverse("survey_public", args=[public_token(task)])
    from django.test import Client

    anonymous = Client()
    q = survey.survey
    response = anonymous.post(url, {f"q-{q['returned'].pk}": "no", "idempotency_key": "d" * 16})
    assert response.status_code == 200 and "已收到" in response.content.decode()
    task.refresh_from_db()
    assert task.source == "public" and task.answered_by is None
    assert anonymous.get(url[:-3] + "xx/").status_code == 404  # a forged token
    closed = _campaign(survey)
    private = _task(closed, survey)
    assert anonymous.get(reverse("survey_public", args=[public_token(private)])).status_code == 404
    worker_page = survey.client("micro_grid_worker").get(reverse("survey_task", args=[task.pk]))
    assert "<svg" in worker_page.content.decode()  # the QR code to show the household


def test_the_export_has_one_row_per_household_with_phones_masked(survey):
    campaign = _campaign(survey)
    services.task_answer(
        actor=survey.users["micro_grid_worker"],
        task=_task(campaign, survey),
        raw=_answers(survey),
        idempotency_key="e" * 16,
    )
    response = survey.client("community_worker").get(reverse("survey_export", args=[campaign.pk]))
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 3 + 3  # title, time, header + three households
    answered = next(r for r in rows[3:] if r[2] == "已填写")
    assert "139****2222" in answered and "13911112222" not in answered


def test_staff_confirm_answers_on_the_page(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    services.task_answer(
        actor=survey.users["micro_grid_worker"],
        task=task,
        raw=_answers(survey),
        idempotency_key="f" * 16,
    )
    client = survey.client("community_worker")
    page = client.get(reverse("survey_answers", args=[campaign.pk]))
    assert [t.pk for t, _lines in page.context["rows"]] == [task.pk]
    response = client.post(reverse("survey_task_confirm", args=[task.pk]), follow=True)
    assert "已确认" in response.content.decode()
    assert ResidentTag.objects.filter(resident=survey.residents["zhangsan"], tag__code="returnee")


def test_the_task_list_makes_a_constant_number_of_queries(survey, django_assert_max_num_queries):
    _campaign(survey)
    _campaign(survey, region="S")
    client = survey.client("community_worker")
    with django_assert_max_num_queries(12):
        client.get(reverse("survey_tasks"))


# API


def test_the_api_lists_answers_and_confirms_tasks(survey):
    campaign = _campaign(survey)
    task = _task(campaign, survey)
    worker = survey.api("micro_grid_worker")
    page = worker.get("/api/v1/surveys/tasks").json()
    assert [t["id"] for t in page["items"]] == [task.pk] and page["next_after"] is None
    url = f"/api/v1/surveys/tasks/{task.pk}/answers"
    body = {"answers": _answers(survey), "idempotency_key": "api-key-0001"}
    assert worker.post(url, body, "application/json").status_code == 201
    assert worker.post(url, body, "application/json").status_code == 200
    bad = worker.post(url, {"answers": {}, "idempotency_key": "api-key-0002"}, "application/json")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "required"
    assert worker.post(f"/api/v1/surveys/tasks/{task.pk}/confirm").status_code == 404
    staff = survey.api("community_worker")
    detail = staff.get(f"/api/v1/surveys/campaigns/{campaign.pk}").json()
    assert len(detail["questions"]) == 4 and sum(g["done"] for g in detail["grids"]) == 1
    confirmed = staff.post(f"/api/v1/surveys/tasks/{task.pk}/confirm").json()
    assert len(confirmed["changes"]) == 2
    other = survey.api("grid_worker2")
    assert other.post(url, body, "application/json").status_code == 404


def test_a_photo_question_keeps_re_encoded_photos_for_staff_to_see(survey):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    actor = survey.users["community_worker"]
    form = services.form_create(actor=actor, title="楼道堆物")
    photo = services.question_add(
        actor=actor, form=form, kind="photo", label="现场照片", required=True
    )
    campaign = services.campaign_create(
        actor=actor,
        form=form,
        region=survey.regions["M1"],
        title="楼道堆物",
        deadline=timezone.now() + dt.timedelta(days=1),
    )
    task = campaign.tasks.get()
    client = survey.client("micro_grid_worker")
    url = reverse("survey_task", args=[task.pk])
    missing = client.post(url, {"idempotency_key": "g" * 16})
    assert missing.status_code == 400 and "现场照片" in missing.content.decode()
    out = io.BytesIO()
    Image.new("RGB", (30, 20), "blue").save(out, format="JPEG")
    upload = SimpleUploadedFile("p.jpg", out.getvalue(), content_type="image/jpeg")
    assert (
        client.post(url, {"idempotency_key": "h" * 16, f"q-{photo.pk}": upload}).status_code == 302
    )
    task.refresh_from_db()
    assert task.answers == {str(photo.pk): 1}
    stored = task.photos.get()
    answers = survey.client("community_worker").get(reverse("survey_answers", args=[campaign.pk]))
    link = reverse("survey_task_photo", args=[task.pk, stored.pk])
    assert link in answers.content.decode()
    assert survey.client("community_worker").get(link)["Content-Type"] == "image/jpeg"
    assert survey.client("grid_worker2").get(link).status_code == 404


def test_staff_build_a_form_and_start_a_campaign_through_the_api(world):
    staff = world.api("community_worker")
    form = staff.post(
        "/api/v1/surveys/forms", {"title": "居民运动偏好调查"}, "application/json"
    ).json()
    sporty = staff.post(
        f"/api/v1/surveys/forms/{form['id']}/questions",
        {"kind": "yes_no", "label": "您平时运动吗", "required": True},
        "application/json",
    ).json()
    sports = staff.post(
        f"/api/v1/surveys/forms/{form['id']}/questions",
        {
            "kind": "multiple",
            "label": "喜欢的运动",
            "choices": ["跑步", "乒乓球"],
            "show_if": sporty["id"],
            "show_if_value": "yes",
        },
        "application/json",
    )
    assert sports.status_code == 201 and sports.json()["show_if"] == sporty["id"]
    deadline = (timezone.now() + dt.timedelta(days=7)).isoformat()
    started = staff.post(
        "/api/v1/surveys/campaigns",
        {"form_id": form["id"], "region_id": world.regions["C"].pk, "deadline": deadline},
        "application/json",
    )
    assert started.status_code == 201 and started.json()["task_count"] == 3
    outside = staff.post(
        "/api/v1/surveys/campaigns",
        {"form_id": form["id"], "region_id": world.regions["C2"].pk, "deadline": deadline},
        "application/json",
    )
    assert outside.status_code == 404
    listed = staff.get("/api/v1/surveys/forms").json()
    assert [len(f["questions"]) for f in listed] == [2]
    frozen = staff.post(
        f"/api/v1/surveys/forms/{form['id']}/questions",
        {"kind": "text", "label": "备注"},
        "application/json",
    )
    assert frozen.status_code == 400 and frozen.json()["error"]["code"] == "form_in_use"
