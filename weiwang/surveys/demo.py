"""Demo surveys for 兴乐社区: the 春节返乡人员摸排 of last February (finished, mostly confirmed),
a 居民运动偏好调查 under way (its answers feed the interest groups), the emergency sweep
template, and one past emergency (a July rainstorm) with its sweep, duty and help requests."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.people.models import PopulationTag
from weiwang.regions.models import Region
from weiwang.surveys import services
from weiwang.surveys.models import Campaign, CampaignStatus, SurveyForm, SurveyTask

SPORTS = ["篮球", "乒乓球", "舞蹈", "飞盘", "跑步", "太极拳", "羽毛球"]
AGES = ["6–17 岁", "18–35 岁", "36–59 岁", "60 岁及以上"]


def _returnee_form(actor) -> tuple[SurveyForm, list]:
    PopulationTag.objects.get_or_create(
        code="returnee", defaults={"name": "返乡人员", "purpose": "春节返乡摸排、疫情防控"}
    )
    form = services.form_create(
        actor=actor, title="春节返乡人员摸排", description="了解春节期间返乡、返蓉人员情况"
    )
    returned = services.question_add(
        actor=actor,
        form=form,
        kind="yes_no",
        label="家中是否有人春节返乡后回蓉",
        required=True,
        maps_to="tag",
        maps_tag="returnee",
    )
    when = services.question_add(
        actor=actor,
        form=form,
        kind="date",
        label="回蓉日期",
        required=True,
        show_if=returned,
        show_if_value="yes",
    )
    count = services.question_add(
        actor=actor,
        form=form,
        kind="number",
        label="回蓉人数",
        show_if=returned,
        show_if_value="yes",
    )
    phone = services.question_add(
        actor=actor, form=form, kind="text", label="联系电话", maps_to="phone"
    )
    return form, [returned, when, count, phone]


def _sports_form(actor) -> tuple[SurveyForm, list]:
    form = services.form_create(
        actor=actor,
        title="居民运动偏好调查",
        description="按运动偏好和年龄组建社群,链接香城体育公园的场地",
    )
    sporty = services.question_add(
        actor=actor, form=form, kind="yes_no", label="您平时运动吗", required=True
    )
    sports = services.question_add(
        actor=actor,
        form=form,
        kind="multiple",
        label="喜欢哪些运动",
        choices=SPORTS,
        show_if=sporty,
        show_if_value="yes",
        required=True,
    )
    age = services.question_add(
        actor=actor, form=form, kind="single", label="年龄段", choices=AGES, required=True
    )
    join = services.question_add(
        actor=actor, form=form, kind="yes_no", label="愿意加入社区运动社群吗"
    )
    return form, [sporty, sports, age, join]


def sweep_template(actor) -> SurveyForm:
    form = services.form_create(
        actor=actor,
        title="应急摸排(平急转换)",
        description="应急状态下逐户确认平安和需要",
        is_sweep_template=True,
    )
    safe = services.question_add(
        actor=actor, form=form, kind="yes_no", label="家人是否都平安", required=True
    )
    services.question_add(actor=actor, form=form, kind="number", label="现在在家几人")
    need = services.question_add(
        actor=actor,
        form=form,
        kind="yes_no",
        label="是否有人需要用药、就医或生活物资",
        required=True,
    )
    services.question_add(
        actor=actor, form=form, kind="text", label="需要什么", show_if=need, show_if_value="yes"
    )
    services.question_add(
        actor=actor, form=form, kind="text", label="哪里不平安", show_if=safe, show_if_value="no"
    )
    return form


def _answer_all(campaign: Campaign, share: float, answer, rng, *, start, confirm=0.0) -> int:
    """Fill a share of the campaign's tasks as their workers would have (direct bulk writes:
    demo history, not a day's work through the pages)."""
    tasks = list(campaign.tasks.all())
    done = []
    for task in tasks:
        if rng.random() >= share:
            continue
        task.answers = answer(rng)
        task.answered_at = start + dt.timedelta(minutes=rng.randrange(60 * 24 * 5))
        task.source = "public" if rng.random() < 0.2 else "worker"
        worker = task.assignee_id or campaign.created_by_id
        task.answered_by_id = None if task.source == "public" else worker
        task.idempotency_key = f"demo-{campaign.pk}-{task.pk}"
        if rng.random() < confirm:
            task.confirmed_at = task.answered_at + dt.timedelta(days=1)
            task.confirmed_by_id = campaign.created_by_id
        done.append(task)
    # Rewriting the rows is much faster than an UPDATE per row (or bulk_update's CASE).
    campaign.tasks.all().delete()
    SurveyTask.objects.bulk_create(tasks, batch_size=2000)
    return len(done)


@transaction.atomic
def seed_demo_surveys(community: Region, *, seed: int = 2022) -> int:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    if staff is None:
        return 0
    actor, rng, now = staff.user, random.Random(seed), timezone.now()
    returnee, (returned, when, count, phone) = _returnee_form(actor)
    spring = services.campaign_create(
        actor=actor,
        form=returnee,
        region=community,
        title="2026 年春节返乡人员摸排",
        deadline=now + dt.timedelta(days=1),
        allow_public=True,
    )
    festival = dt.datetime(2026, 2, 4, 9, tzinfo=dt.UTC)

    def returnee_answer(r):
        answers = {str(returned.pk): "yes" if r.random() < 0.35 else "no"}
        if answers[str(returned.pk)] == "yes":
            answers[str(when.pk)] = (
                dt.date(2026, 2, 1) + dt.timedelta(days=r.randrange(10))
            ).isoformat()
            answers[str(count.pk)] = r.choice([1, 1, 2, 2, 3, 4])
        if r.random() < 0.3:
            answers[str(phone.pk)] = f"139{r.randrange(10**8):08d}"
        return answers

    answered = _answer_all(spring, 0.92, returnee_answer, rng, start=festival, confirm=0.8)
    Campaign.objects.filter(pk=spring.pk).update(
        deadline=festival + dt.timedelta(days=6), status=CampaignStatus.CLOSED
    )
    sports_form, (sporty, sports, age, join) = _sports_form(actor)
    survey = services.campaign_create(
        actor=actor,
        form=sports_form,
        region=community,
        title="居民运动偏好调查",
        deadline=now + dt.timedelta(days=14),
        allow_public=True,
    )

    def sports_answer(r):
        answers = {str(sporty.pk): "yes" if r.random() < 0.7 else "no", str(age.pk): r.choice(AGES)}
        if answers[str(sporty.pk)] == "yes":
            answers[str(sports.pk)] = r.sample(SPORTS, r.choice([1, 1, 2, 3]))
            answers[str(join.pk)] = "yes" if r.random() < 0.6 else "no"
        return answers

    answered += _answer_all(survey, 0.45, sports_answer, rng, start=now - dt.timedelta(days=6))
    return answered
