"""Staff pages for survey campaigns: the form builder, starting a campaign over a region,
progress and results, the spreadsheet, and confirming answers into the registry."""

from __future__ import annotations

import datetime as dt
import io

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.people.models import PopulationTag
from weiwang.regions.selectors import get_region_for_user, regions_for_user
from weiwang.surveys import selectors, services
from weiwang.surveys.models import AnswerTarget, Campaign, QuestionKind, SurveyForm

PAGE_SIZE = 30


@login_required
def survey_index(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    status = request.GET.get("status", "")
    campaigns = selectors.campaigns_for_user(request.user)
    if status in ("open", "closed"):
        campaigns = campaigns.filter(status=status)
    page = Paginator(campaigns, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "status": status,
        "query": f"status={status}" if status else "",
        "forms": SurveyForm.objects.all()[:50],
    }
    return render(request, "surveys/index.html", context)


@login_required
def form_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    error = ""
    if request.method == "POST":
        try:
            form = services.form_create(
                actor=request.user,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
                is_sweep_template=bool(request.POST.get("is_sweep_template")),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            return redirect("survey_form", pk=form.pk)
    return render(request, "surveys/form_new.html", {"error": error}, status=400 if error else 200)


@login_required
def form_builder(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    form = get_or_404(SurveyForm.objects.all(), pk)
    questions = list(form.questions.select_related("show_if"))
    error = ""
    if request.method == "POST":
        post = request.POST
        condition, _sep, condition_value = post.get("condition", "").partition(":")
        show_if = next((q for q in questions if str(q.pk) == condition), None)
        try:
            services.question_add(
                actor=request.user,
                form=form,
                kind=post.get("kind", ""),
                label=post.get("label", ""),
                required=bool(post.get("required")),
                choices=post.get("choices", "").splitlines(),
                show_if=show_if,
                show_if_value=condition_value if show_if else "",
                maps_to=post.get("maps_to", ""),
                maps_tag=post.get("maps_tag", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("题目已添加。"))
            return redirect("survey_form", pk=form.pk)
    answer_labels = {services.YES: _("是"), services.NO: _("否")}
    tags = dict(PopulationTag.objects.values_list("code", "name"))
    for question in questions:
        question.condition_label = answer_labels.get(question.show_if_value, question.show_if_value)
        question.tag_label = tags.get(question.maps_tag, question.maps_tag)
    conditions = [q for q in questions if q.kind in ("yes_no", "single", "multiple")]
    context = {
        "form": form,
        "questions": questions,
        "locked": form.campaigns.exists(),
        "kinds": QuestionKind.choices,
        "targets": AnswerTarget.choices,
        "conditions": conditions,
        "condition_values": _condition_values(conditions),
        "tags": PopulationTag.objects.filter(active=True).order_by("name"),
        "error": error,
        "post": request.POST if error else {},
    }
    return render(request, "surveys/form_builder.html", context, status=400 if error else 200)


def _condition_values(conditions) -> list[tuple[str, str]]:
    """The (value, label) pairs a condition may test, as 'question id:value' for one select."""
    pairs = []
    for question in conditions:
        options = (
            [(services.YES, _("是")), (services.NO, _("否"))]
            if question.kind == "yes_no"
            else [(c, c) for c in question.choices]
        )
        pairs += [
            (f"{question.pk}:{value}", f"{question.label} = {label}") for value, label in options
        ]
    return pairs


@login_required
@require_POST
def question_delete(request: HttpRequest, pk: int, question: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    form = get_or_404(SurveyForm.objects.all(), pk)
    target = get_or_404(form.questions.all(), question)
    try:
        services.question_delete(actor=request.user, question=target)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("题目已删除。"))
    return redirect("survey_form", pk=form.pk)


@login_required
@require_POST
def form_copy(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    form = get_or_404(SurveyForm.objects.all(), pk)
    copy = services.form_copy(actor=request.user, form=form)
    messages.success(request, _("已复制,可以修改这份副本。"))
    return redirect("survey_form", pk=copy.pk)


def _campaign_regions(user):
    return regions_for_user(user).filter(level__in=["street", "community", "grid"]).order_by("path")


@login_required
def campaign_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    forms = SurveyForm.objects.all()
    error = ""
    post = request.POST
    if request.method == "POST":
        try:
            form = get_or_404(forms, post.get("form") or 0)
            region = get_region_for_user(request.user, post.get("region") or 0)
            deadline = form_datetime(post.get("deadline"))
            if deadline is None:
                raise ApplicationError(_("请填写截止时间。"), code="deadline")
            campaign = services.campaign_create(
                actor=request.user,
                form=form,
                region=region,
                title=post.get("title", ""),
                deadline=deadline,
                tag_codes=post.getlist("tags"),
                allow_public=bool(post.get("allow_public")),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("摸排已发起,共 %(n)d 户。") % {"n": campaign.task_count})
            return redirect("survey_campaign", pk=campaign.pk)
    week = timezone.localtime() + dt.timedelta(days=7)
    context = {
        "forms": forms,
        "chosen": post.get("form") or request.GET.get("form", ""),
        "regions": _campaign_regions(request.user)[:300],
        "tags": PopulationTag.objects.filter(active=True).order_by("name"),
        "deadline": post.get("deadline") or week.strftime("%Y-%m-%dT%H:%M"),
        "chosen_tags": post.getlist("tags"),
        "post": post,
        "error": error,
    }
    return render(request, "surveys/campaign_new.html", context, status=400 if error else 200)


def _staff_tasks(user, campaign: Campaign):
    return selectors.tasks_for_user(user, Action.RUN_SURVEYS).filter(campaign=campaign)


@login_required
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    campaign = get_or_404(selectors.campaigns_for_user(request.user), pk)
    tasks = _staff_tasks(request.user, campaign)
    grids, micro = selectors.progress(tasks)
    questions = list(campaign.form.questions.all())
    context = {
        "campaign": campaign,
        "grids": grids,
        "micro": micro,
        "total": sum(g.total for g in grids),
        "done": sum(g.done for g in grids),
        "results": selectors.results(questions, tasks),
        "late": campaign.status == "open" and campaign.deadline < timezone.now(),
    }
    return render(request, "surveys/campaign_detail.html", context)


@login_required
@require_POST
def campaign_close(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    campaign = get_or_404(selectors.campaigns_for_user(request.user), pk)
    services.campaign_close(actor=request.user, campaign=campaign)
    messages.success(request, _("摸排已结束。"))
    return redirect("survey_campaign", pk=campaign.pk)


@login_required
def campaign_export(request: HttpRequest, pk: int) -> HttpResponse:
    from weiwang.audit.services import audit_record
    from weiwang.surveys.exports import write_campaign_xlsx

    require(request.user, Action.RUN_SURVEYS)
    campaign = get_or_404(selectors.campaigns_for_user(request.user), pk)
    buffer = io.BytesIO()
    count = write_campaign_xlsx(buffer, campaign, _staff_tasks(request.user, campaign))
    response = HttpResponse(
        buffer.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="survey-{campaign.pk}.xlsx"'
    audit_record(
        actor=request.user,
        action="surveys.export",
        target_type="campaign",
        target_id=campaign.pk,
        detail={"rows": count},
    )
    return response


@login_required
def campaign_answers(request: HttpRequest, pk: int) -> HttpResponse:
    """Answers to read and confirm, household by household (unconfirmed first)."""
    require(request.user, Action.RUN_SURVEYS)
    campaign = get_or_404(selectors.campaigns_for_user(request.user), pk)
    show = request.GET.get("show", "unconfirmed")
    tasks = _staff_tasks(request.user, campaign).exclude(answered_at=None)
    tasks = (
        tasks.filter(confirmed_at__isnull=show != "confirmed")
        .order_by("household__dwelling__address")
        .prefetch_related("photos")
    )
    page = Paginator(tasks, PAGE_SIZE).get_page(request.GET.get("page"))
    questions = list(campaign.form.questions.all())
    rows = [(task, answer_lines(questions, task.answers)) for task in page]
    context = {
        "campaign": campaign,
        "page": page,
        "rows": rows,
        "show": show,
        "query": f"show={show}",
        "maps": any(q.maps_to for q in questions),
    }
    return render(request, "surveys/answers.html", context)


def answer_lines(questions, answers) -> list[tuple[str, str]]:
    """(question, answer as shown) for the questions answered."""
    shown = []
    for question in questions:
        value = (answers or {}).get(str(question.pk))
        if value is None:
            continue
        if question.kind == "yes_no":
            text = _("是") if value == services.YES else _("否")
        elif question.kind == "photo":
            text = _("%(n)s 张照片") % {"n": value}
        elif isinstance(value, list):
            text = "、".join(value)
        else:
            text = str(value)
        shown.append((question.label, text))
    return shown


@login_required
def task_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    """A photo answer, for staff who run surveys or workers of the household's area."""
    from django.http import FileResponse

    action = Action.RUN_SURVEYS if can(request.user, Action.RUN_SURVEYS) else Action.HANDLE_CASES
    require(request.user, action)
    task = get_or_404(selectors.tasks_for_user(request.user, action), pk)
    item = get_or_404(task.photos.all(), photo)
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@login_required
@require_POST
def task_confirm(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.RUN_SURVEYS)
    task = get_or_404(selectors.tasks_for_user(request.user, Action.RUN_SURVEYS), pk)
    try:
        changes = services.task_confirm(actor=request.user, task=task)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        detail = ";".join(changes) if changes else _("档案无需改动")
        messages.success(request, _("已确认:%(detail)s。") % {"detail": detail})
    return redirect("survey_answers", pk=task.campaign_id)
