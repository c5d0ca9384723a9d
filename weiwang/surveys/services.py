"""Writes for survey campaigns: building forms, creating a campaign's tasks in one statement,
answering a task (once per idempotency key, conditions applied), and — only after staff confirm —
writing mapped answers into the registry."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, Subquery, Value
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.core.errors import ApplicationError
from weiwang.people.models import Household, PopulationTag, Resident, ResidentTag
from weiwang.surveys.models import (
    AnswerTarget,
    Campaign,
    CampaignStatus,
    Question,
    QuestionKind,
    SurveyForm,
    SurveyPhoto,
    SurveyTask,
    TaskSource,
)

YES, NO = "yes", "no"
CHOICE_KINDS = {QuestionKind.SINGLE, QuestionKind.MULTIPLE}
MAX_QUESTIONS = 60


def _check_editable(form: SurveyForm) -> None:
    if form.campaigns.exists():
        raise ApplicationError(
            _("这份问卷已经用于摸排,不能再修改;请复制一份再改。"), code="form_in_use"
        )


@transaction.atomic
def form_create(
    *, actor, title: str, description: str = "", is_sweep_template: bool = False
) -> SurveyForm:
    title = title.strip()
    if not title:
        raise ApplicationError(_("请填写问卷名称。"), code="title")
    return SurveyForm.objects.create(
        title=title[:100],
        description=description.strip()[:300],
        is_sweep_template=is_sweep_template,
        created_by=actor,
    )


def _clean_choices(kind: str, choices: Sequence[str]) -> list[str]:
    if kind not in CHOICE_KINDS:
        return []
    options = list(dict.fromkeys(c.strip()[:100] for c in choices if c.strip()))
    if len(options) < 2:
        raise ApplicationError(_("单选题和多选题至少要有两个选项,每行一个。"), code="choices")
    return options


def _clean_condition(form: SurveyForm, show_if: Question | None, value: str) -> str:
    if show_if is None:
        return ""
    if show_if.form_id != form.pk:
        raise ApplicationError(_("显示条件只能引用本问卷里前面的题目。"), code="show_if")
    allowed = [YES, NO] if show_if.kind == QuestionKind.YES_NO else list(show_if.choices)
    if show_if.kind not in CHOICE_KINDS | {QuestionKind.YES_NO} or value not in allowed:
        raise ApplicationError(
            _("显示条件要选一道是/否题或选择题,以及它的一个答案。"), code="show_if_value"
        )
    return value


@transaction.atomic
def question_add(
    *,
    actor,
    form: SurveyForm,
    kind: str,
    label: str,
    required: bool = False,
    choices: Sequence[str] = (),
    show_if: Question | None = None,
    show_if_value: str = "",
    maps_to: str = "",
    maps_tag: str = "",
) -> Question:
    _check_editable(form)
    if kind not in QuestionKind.values:
        raise ApplicationError(_("请选择题型。"), code="kind")
    if not label.strip():
        raise ApplicationError(_("请填写题目。"), code="label")
    if form.questions.count() >= MAX_QUESTIONS:
        raise ApplicationError(_("一份问卷最多 60 道题。"), code="too_many")
    if maps_to not in AnswerTarget.values:
        raise ApplicationError(_("请选择写入居民档案的方式。"), code="maps_to")
    if maps_to == AnswerTarget.PHONE and kind != QuestionKind.TEXT:
        raise ApplicationError(_("写入联系电话的题目应是文字题。"), code="maps_to")
    if maps_to == AnswerTarget.TAG:
        if kind != QuestionKind.YES_NO:
            raise ApplicationError(_("加人群标签的题目应是是/否题。"), code="maps_to")
        if not PopulationTag.objects.filter(code=maps_tag, active=True).exists():
            raise ApplicationError(_("请选择一个启用中的人群标签。"), code="maps_tag")
    last = form.questions.order_by("-position").values_list("position", flat=True).first()
    return Question.objects.create(
        form=form,
        position=(last or 0) + 1,
        kind=kind,
        label=label.strip()[:200],
        required=required,
        choices=_clean_choices(kind, choices),
        show_if=show_if,
        show_if_value=_clean_condition(form, show_if, show_if_value),
        maps_to=maps_to,
        maps_tag=maps_tag if maps_to == AnswerTarget.TAG else "",
    )


@transaction.atomic
def question_delete(*, actor, question: Question) -> None:
    _check_editable(question.form)
    question.delete()  # questions shown only if this one was answered go with it (CASCADE)


@transaction.atomic
def form_copy(*, actor, form: SurveyForm) -> SurveyForm:
    """A fresh, editable copy of a form (used forms are frozen so answers keep their meaning)."""
    copy = form_create(
        actor=actor,
        title=_("%(title)s(副本)") % {"title": form.title},
        description=form.description,
        is_sweep_template=form.is_sweep_template,
    )
    new_ids: dict[int, Question] = {}
    for question in form.questions.all():
        new_ids[question.pk] = Question.objects.create(
            form=copy,
            position=question.position,
            kind=question.kind,
            label=question.label,
            required=question.required,
            choices=question.choices,
            show_if=new_ids.get(question.show_if_id) if question.show_if_id else None,
            show_if_value=question.show_if_value,
            maps_to=question.maps_to,
            maps_tag=question.maps_tag,
        )
    return copy


def is_shown(question: Question, answers: Mapping[str, object]) -> bool:
    """Whether a question applies given the answers so far (its condition, and its condition's
    condition: a hidden question's answer never shows anything)."""
    if question.show_if_id is None:
        return True
    given = answers.get(str(question.show_if_id))
    if isinstance(given, list):
        return question.show_if_value in given
    return given == question.show_if_value


def _one(question: Question, raw: object) -> object:
    """One answer, checked for its type; None when left empty."""
    values = [str(v).strip() for v in raw] if isinstance(raw, list) else [str(raw or "").strip()]
    values = [v for v in values if v]
    if not values:
        return None
    value = values[0]
    kind = question.kind
    if kind == QuestionKind.TEXT and question.maps_to == AnswerTarget.PHONE:
        from weiwang.core.identity import normalise_phone

        return normalise_phone(value)
    if kind == QuestionKind.TEXT:
        return value[:500]
    if kind == QuestionKind.NUMBER:
        try:
            number = float(value)
        except ValueError:
            raise ApplicationError(
                _("“%(q)s”要填数字。") % {"q": question.label}, code="number"
            ) from None
        return int(number) if number.is_integer() else number
    if kind == QuestionKind.DATE:
        try:
            return dt.date.fromisoformat(value).isoformat()
        except ValueError:
            raise ApplicationError(
                _("“%(q)s”的日期格式应为 2026-01-31。") % {"q": question.label}, code="date"
            ) from None
    if kind == QuestionKind.YES_NO:
        if value not in (YES, NO):
            raise ApplicationError(_("“%(q)s”请选是或否。") % {"q": question.label}, code="yes_no")
        return value
    if kind in CHOICE_KINDS:
        unknown = [v for v in values if v not in question.choices]
        if unknown:
            raise ApplicationError(
                _("“%(q)s”没有“%(v)s”这个选项。") % {"q": question.label, "v": unknown[0]},
                code="choice",
            )
        return values[0] if kind == QuestionKind.SINGLE else list(dict.fromkeys(values))
    return None  # photos arrive as files, counted by the caller


def clean_answers(
    questions: Sequence[Question],
    raw: Mapping[str, object],
    photo_counts: Mapping[int, int] | None = None,
) -> dict[str, object]:
    """The answers to keep: each checked for its type, required ones present, and answers to
    questions whose condition is not met dropped (in question order, so conditions chain)."""
    photo_counts = photo_counts or {}
    answers: dict[str, object] = {}
    for question in questions:
        if not is_shown(question, answers):
            continue
        if question.kind == QuestionKind.PHOTO:
            value: object = photo_counts.get(question.pk) or None
        else:
            value = _one(question, raw.get(str(question.pk)))
        if value is None:
            if question.required:
                raise ApplicationError(
                    _("“%(q)s”是必答题。") % {"q": question.label}, code="required"
                )
            continue
        answers[str(question.pk)] = value
    return answers


@transaction.atomic
def campaign_create(
    *,
    actor,
    form: SurveyForm,
    region,
    title: str,
    deadline: dt.datetime,
    tag_codes: Sequence[str] = (),
    allow_public: bool = False,
) -> Campaign:
    """A campaign over `region`'s subtree (checked by the caller's access layer): one task per
    household with a current member (carrying one of `tag_codes`, if given), assigned to the
    worker of the household's micro-grid, inserted by the database in one statement."""
    if not form.questions.exists():
        raise ApplicationError(_("问卷里还没有题目,请先添加题目。"), code="empty_form")
    if deadline <= timezone.now():
        raise ApplicationError(_("截止时间应晚于现在。"), code="deadline")
    codes = sorted(set(tag_codes))
    if len(codes) != PopulationTag.objects.filter(code__in=codes).count():
        raise ApplicationError(_("有不存在的人群标签。"), code="tags")
    campaign = Campaign.objects.create(
        form=form,
        title=(title.strip() or form.title)[:100],
        region=region,
        region_path=region.path,
        tag_codes=codes,
        deadline=deadline,
        allow_public=allow_public,
        created_by=actor,
    )
    campaign.task_count = _insert_tasks(campaign, region.path, codes)
    campaign.save(update_fields=["task_count"])
    transaction.on_commit(lambda: _notify_assignees(campaign))
    return campaign


def _insert_tasks(campaign: Campaign, path: str, codes: Sequence[str]) -> int:
    members = Resident.objects.filter(household=OuterRef("pk"), status="current")
    if codes:
        tagged = ResidentTag.objects.filter(
            resident__household=OuterRef("pk"), resident__status="current", tag__code__in=codes
        )
        households = Household.objects.filter(Exists(tagged))
    else:
        households = Household.objects.filter(Exists(members))
    worker = (
        RoleAssignment.objects.filter(role=Role.MICRO_GRID_WORKER, region_id=OuterRef("micro_grid"))
        .order_by("pk")
        .values("user_id")[:1]
    )
    # Only annotations are selected, so the SELECT list is in exactly this order.
    rows = (
        households.filter(region_path__startswith=path)
        .order_by()
        .annotate(
            t_campaign=Value(campaign.pk),
            t_household=F("pk"),
            t_micro_grid=F("micro_grid_id"),
            t_path=F("region_path"),
            t_assignee=Subquery(worker),
            t_source=Value(""),
        )
        .values_list(
            "t_campaign", "t_household", "t_micro_grid", "t_path", "t_assignee", "t_source"
        )
    )
    select, params = rows.query.sql_with_params()
    table = connection.ops.quote_name(SurveyTask._meta.db_table)
    columns = "campaign_id, household_id, micro_grid_id, region_path, assignee_id, source"
    with connection.cursor() as cursor:
        # Table and column names come from model metadata; values are parameters.
        cursor.execute(f"INSERT INTO {table} ({columns}) {select}", params)
        return cursor.rowcount


def _notify_assignees(campaign: Campaign) -> None:
    from django.contrib.auth import get_user_model
    from django.urls import reverse

    from weiwang.notices.services import notify

    ids = campaign.tasks.exclude(assignee=None).values("assignee_id").distinct()
    notify(
        users=get_user_model().objects.filter(pk__in=ids),
        title=_("新的摸排任务:%(title)s,截止 %(when)s")
        % {
            "title": campaign.title,
            "when": timezone.localtime(campaign.deadline).strftime("%m-%d %H:%M"),
        },
        url=reverse("survey_tasks") + f"?campaign={campaign.pk}",
    )


@transaction.atomic
def campaign_close(*, actor, campaign: Campaign) -> Campaign:
    campaign.status = CampaignStatus.CLOSED
    campaign.save(update_fields=["status"])
    return campaign


def _check_key(key: str) -> str:
    key = (key or "").strip()
    if not 8 <= len(key) <= 64:
        raise ApplicationError(_("缺少有效的提交编号,请刷新页面后重试。"), code="idempotency_key")
    return key


def task_answer(
    *,
    actor,
    task: SurveyTask,
    raw: Mapping[str, object],
    idempotency_key: str,
    photos: Mapping[int, Sequence] | None = None,
    source: str = TaskSource.WORKER,
    answered_at: dt.datetime | None = None,
) -> tuple[SurveyTask, bool]:
    """Answer one household's task (`actor` is None for the household's own public link). The
    same key again returns the stored answer unchanged; a new key corrects the answer until
    staff confirm it."""
    from weiwang.cases.photos import MAX_PHOTOS, clean_photo

    key = _check_key(idempotency_key)
    if task.idempotency_key == key:
        return task, False
    if task.campaign.status != CampaignStatus.OPEN:
        raise ApplicationError(_("这次摸排已经结束,不能再填写。"), code="closed")
    if task.confirmed_at:
        raise ApplicationError(_("这一户的答案已经确认,不能再修改。"), code="confirmed")
    questions = list(task.campaign.form.questions.all())
    photos = {qid: list(files)[:MAX_PHOTOS] for qid, files in (photos or {}).items() if files}
    answers = clean_answers(questions, raw, {qid: len(files) for qid, files in photos.items()})
    shown = {int(qid) for qid in answers}
    cleaned = [
        (qid, clean_photo(f)) for qid, files in photos.items() if qid in shown for f in files
    ]
    now = timezone.now()
    when = min(answered_at, now) if answered_at else now
    try:
        with transaction.atomic():
            locked = SurveyTask.objects.select_for_update().get(pk=task.pk)
            if locked.idempotency_key == key:
                return locked, False
            if locked.confirmed_at:  # confirmed since the caller loaded it
                raise ApplicationError(_("这一户的答案已经确认,不能再修改。"), code="confirmed")
            locked.answers, locked.answered_at, locked.source = answers, when, source
            locked.answered_by, locked.idempotency_key = actor, key
            locked.save(
                update_fields=[
                    "answers",
                    "answered_at",
                    "source",
                    "answered_by",
                    "idempotency_key",
                ]
            )
            locked.photos.all().delete()
            for qid, content in cleaned:
                SurveyPhoto.objects.create(task=locked, question_id=qid, image=content)
    except IntegrityError:
        raise ApplicationError(_("提交编号已被使用。"), code="idempotency_key") from None
    return locked, True


def _household_head(household_id: int) -> Resident | None:
    members = Resident.objects.filter(household_id=household_id, status="current")
    return members.filter(relation_to_head="head").first() or members.order_by("pk").first()


@transaction.atomic
def task_confirm(*, actor, task: SurveyTask) -> list[str]:
    """Staff confirm a household's answers; only now do mapped answers change the registry
    (a phone number for the head, a population tag on 是). Returns what was changed."""
    from weiwang.audit.services import audit_record
    from weiwang.people.life_events import resident_tag_add

    task = SurveyTask.objects.select_for_update().get(pk=task.pk)
    if task.answered_at is None:
        raise ApplicationError(_("这一户还没有填写,不能确认。"), code="unanswered")
    if task.confirmed_at is not None:
        raise ApplicationError(_("这一户的答案已经确认过了。"), code="confirmed")
    head = _household_head(task.household_id)
    changes: list[str] = []
    for question in task.campaign.form.questions.exclude(maps_to=""):
        value = (task.answers or {}).get(str(question.pk))
        if value is None or head is None:
            continue
        if question.maps_to == AnswerTarget.PHONE:
            changes += _apply_phone(head, str(value))
        elif question.maps_to == AnswerTarget.TAG and value == YES:
            tag = PopulationTag.objects.filter(code=question.maps_tag, active=True).first()
            if tag and not ResidentTag.objects.filter(resident=head, tag=tag).exists():
                resident_tag_add(
                    actor=actor,
                    resident=head,
                    tag=tag,
                    occurred_on=timezone.localdate(task.answered_at),
                    note=task.campaign.title[:200],
                )
                changes.append(
                    _("%(name)s 加上标签“%(tag)s”") % {"name": head.name, "tag": tag.name}
                )
    task.confirmed_at, task.confirmed_by = timezone.now(), actor
    task.save(update_fields=["confirmed_at", "confirmed_by"])
    audit_record(
        actor=actor,
        action="surveys.confirm",
        target_type="survey_task",
        target_id=task.pk,
        detail={"changes": len(changes)},
    )
    return changes


def _apply_phone(head: Resident, raw: str) -> list[str]:
    from weiwang.core import crypto
    from weiwang.core.identity import normalise_phone
    from weiwang.people.models import ResidentPhone
    from weiwang.people.services import phone_row

    number = normalise_phone(raw)
    index = crypto.blind_index(number)
    if ResidentPhone.objects.filter(resident=head, number_index=index).exists():
        return []
    row = phone_row(head, number, ResidentPhone.Label.OWN)
    row.save()
    return [_("%(name)s 登记电话 %(phone)s") % {"name": head.name, "phone": row.number_masked}]
