"""Pages of 有事好商量: topics (propose, review), meetings, votes (open, vote online, paper
ballots, close and publish)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weiwang.access import Action, require
from weiwang.cases.selectors import get_case_for_user
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.deliberation import selectors, services
from weiwang.deliberation.models import (
    Channel,
    Meeting,
    RollEntry,
    Threshold,
    VoteKind,
    VoteStatus,
    VoteUnit,
)
from weiwang.regions.models import Region, RegionLevel
from weiwang.regions.selectors import narrow_to_region, regions_for_user


class TopicForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("议题"), max_length=100)
    body = forms.CharField(
        label=gettext_lazy("具体内容"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=gettext_lazy("说明是什么事、涉及哪些住户、您的建议。"),
    )
    scope = forms.ChoiceField(label=gettext_lazy("涉及范围"))
    signature = forms.CharField(
        label=gettext_lazy("提议人签名"), max_length=50, help_text=gettext_lazy("请写您的姓名")
    )

    def __init__(self, *args, scopes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["scope"].choices = scopes


def proposal_scopes(user) -> list[tuple[str, str]]:
    """What a proposer may name as the affected scope: residents their building, estate, grid
    or community; staff the grids and communities of their region."""
    resident = getattr(user, "resident", None)
    if resident is not None and resident.status == "current":
        dwelling = resident.household.dwelling
        building = dwelling.unit.building
        region_ids = [*dwelling.micro_grid.ancestor_ids, dwelling.micro_grid_id]
        return [
            (f"b{building.pk}", str(building)),
            (f"e{building.estate_id}", building.estate.name),
            (f"r{region_ids[3]}", Region.objects.get(pk=region_ids[3]).name),
            (f"r{region_ids[2]}", Region.objects.get(pk=region_ids[2]).name),
        ]
    levels = [RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICRO_GRID]
    regions = regions_for_user(user).filter(level__in=levels)
    return [(f"r{r.pk}", r.name) for r in regions.order_by("path")[:200]]


def scope_objects(choice: str, user):
    from weiwang.regions.models import Building, Estate

    kind, pk = choice[:1], int(choice[1:])
    if kind == "b":
        building = Building.objects.select_related("estate").get(pk=pk)
        grid = building.units.first().dwellings.first().micro_grid
        return Region.objects.get(pk=grid.ancestor_ids[3]), building.estate, [building]
    if kind == "e":
        estate = Estate.objects.get(pk=pk)
        return estate.community, estate, []
    return Region.objects.get(pk=pk), None, []


@login_required
def topic_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.PROPOSE_TOPICS)
    topics = selectors.topics_for_user(request.user).order_by("-id")
    topics = narrow_to_region(topics, request.GET.get("region"))
    page = Paginator(topics, 30).get_page(request.GET.get("page"))
    return render(request, "deliberation/topic_list.html", {"page": page})


@login_required
def topic_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.PROPOSE_TOPICS)
    scopes = proposal_scopes(request.user)
    if not scopes:
        raise Http404
    case = None
    if request.GET.get("case", "").isdigit() or request.POST.get("case", "").isdigit():
        case = get_case_for_user(request.user, request.GET.get("case") or request.POST["case"])
    initial = {"title": case.title, "body": case.description} if case else {}
    form = TopicForm(request.POST or None, scopes=scopes, initial=initial)
    if request.method == "POST" and form.is_valid():
        region, estate, buildings = scope_objects(form.cleaned_data["scope"], request.user)
        try:
            topic = services.topic_propose(
                actor=request.user,
                title=form.cleaned_data["title"],
                body=form.cleaned_data["body"],
                signature=form.cleaned_data["signature"],
                region=region,
                estate=estate,
                buildings=buildings,
                case=case,
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("议题已提交,社区党委审核后会通知您。"))
            return redirect("topic_detail", pk=topic.pk)
    context = {"form": form, "case": case}
    return render(
        request, "deliberation/topic_new.html", context, status=400 if form.errors else 200
    )


@login_required
def topic_detail(request: HttpRequest, pk: int) -> HttpResponse:
    topic = selectors.get_topic_for_user(request.user, pk)
    context = {
        "topic": topic,
        "meetings": topic.meetings.all(),
        "votes": topic.votes.all(),
        "tasks": topic.tasks.all(),
        "runs": selectors.runs_consultations(request.user, topic),
        "kinds": VoteKind.choices,
        "units": VoteUnit.choices,
        "thresholds": Threshold.choices,
        "notice_days": services.settings.AGENDA_NOTICE_DAYS,
    }
    return render(request, "deliberation/topic_detail.html", context)


def _run(request, pk):
    require(request.user, Action.RUN_CONSULTATIONS)
    topic = selectors.get_topic_for_user(request.user, pk)
    if not selectors.runs_consultations(request.user, topic):
        raise Http404
    return topic


@login_required
@require_POST
def topic_review(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _run(request, pk)
    try:
        services.topic_review(
            actor=request.user,
            topic=topic,
            accept=request.POST.get("decision") == "accept",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("topic_detail", pk=topic.pk)


@login_required
@require_POST
def meeting_new(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _run(request, pk)
    starts_at = form_datetime(request.POST.get("starts_at", ""))
    try:
        if starts_at is None:
            raise ApplicationError(_("请填写开会时间。"), code="starts_at")
        services.meeting_schedule(
            actor=request.user,
            topic=topic,
            starts_at=starts_at,
            place=request.POST.get("place", ""),
            invited=request.POST.get("invited", ""),
            agenda=request.POST.get("agenda", ""),
            online=request.POST.get("online") == "on",
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("会议已安排,议程已公布并通知相关居民。"))
    return redirect("topic_detail", pk=topic.pk)


@login_required
@require_POST
def meeting_minutes(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = Meeting.objects.filter(pk=pk).first()
    if meeting is None:
        raise Http404
    topic = _run(request, meeting.topic_id)
    services.meeting_record(
        meeting=meeting,
        attendance=request.POST.get("attendance", ""),
        minutes=request.POST.get("minutes", ""),
    )
    messages.success(request, _("会议记录已保存。"))
    return redirect("topic_detail", pk=topic.pk)


@login_required
@require_POST
def vote_new(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _run(request, pk)
    post = request.POST
    try:
        opens_at, closes_at = (
            form_datetime(post.get("opens_at", "")),
            form_datetime(post.get("closes_at", "")),
        )
        if opens_at is None or closes_at is None:
            raise ApplicationError(_("请填写投票的开始和截止时间。"), code="window")
        try:
            quorum = Decimal(post.get("quorum") or "0.5")
            max_choices = int(post.get("max_choices") or 1)
        except (InvalidOperation, ValueError):
            raise ApplicationError(_("参与率或可选项数不是数字。"), code="numbers") from None
        vote = services.vote_create(
            actor=request.user,
            topic=topic,
            question=post.get("question", "") or topic.title,
            kind=post.get("kind", VoteKind.SINGLE),
            options=post.get("options", "").splitlines(),
            unit=post.get("unit", VoteUnit.HOUSEHOLD),
            opens_at=opens_at,
            closes_at=closes_at,
            quorum=quorum,
            threshold=post.get("threshold", Threshold.SIMPLE),
            secret=post.get("secret") == "on",
            allow_change=post.get("allow_change") == "on",
            max_choices=max_choices,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("topic_detail", pk=topic.pk)
    return redirect("vote_detail", pk=vote.pk)


@login_required
def vote_detail(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.get_vote_for_user(request.user, pk)
    resident = getattr(request.user, "resident", None)
    entry = services.roll_entry_for(vote, resident) if vote.status != VoteStatus.DRAFT else None
    runs = selectors.runs_consultations(request.user, vote.topic)
    options = list(vote.options.all())
    counts = vote.result.get("counts", {})
    context = {
        "vote": vote,
        "options": [(o, counts.get(str(o.pk), 0)) for o in options],
        "entry": entry,
        "runs": runs,
        "roll": RollEntry.objects.filter(vote=vote).select_related(
            "household__dwelling", "resident"
        )[:2000]
        if runs and vote.status == VoteStatus.OPEN
        else [],
        "receipt": request.session.pop(f"receipt-{vote.pk}", ""),
        "publicity_until": services.vote_publicity_until(vote),
        "is_open": vote.status == VoteStatus.OPEN
        and vote.opens_at <= timezone.now() < vote.closes_at,
    }
    return render(request, "deliberation/vote_detail.html", context)


def _choices(request) -> list:
    return request.POST.getlist("choice")


@login_required
@require_POST
def vote_ballot(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.get_vote_for_user(request.user, pk)
    entry = services.roll_entry_for(vote, getattr(request.user, "resident", None))
    try:
        receipt = services.ballot_cast(vote=vote, entry=entry, choices=_choices(request))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("投票成功,谢谢参与!"))
        if receipt:
            request.session[f"receipt-{vote.pk}"] = receipt
    return redirect("vote_detail", pk=vote.pk)


@login_required
@require_POST
def vote_change(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.get_vote_for_user(request.user, pk)
    entry = services.roll_entry_for(vote, getattr(request.user, "resident", None))
    try:
        services.ballot_change(
            vote=vote,
            entry=entry,
            choices=_choices(request),
            receipt=request.POST.get("receipt", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已改票。"))
    return redirect("vote_detail", pk=vote.pk)


@login_required
@require_POST
def vote_paper(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff enter an on-site paper ballot against the roll."""
    vote = selectors.get_vote_for_user(request.user, pk)
    _run(request, vote.topic_id)
    entry = RollEntry.objects.filter(vote=vote, pk=request.POST.get("entry") or 0).first()
    try:
        services.ballot_cast(
            vote=vote, entry=entry, choices=_choices(request), channel=Channel.PAPER
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("纸质票已录入。"))
    return redirect("vote_detail", pk=vote.pk)


@login_required
@require_POST
def vote_state(request: HttpRequest, pk: int) -> HttpResponse:
    vote = selectors.get_vote_for_user(request.user, pk)
    _run(request, vote.topic_id)
    try:
        if request.POST.get("what") == "open":
            roll = services.vote_open(actor=request.user, vote=vote)
            messages.success(request, _("投票已开始,名册共 %(n)d 个投票单位。") % {"n": roll})
        elif request.POST.get("what") == "close":
            services.vote_close(actor=request.user, vote=vote)
            messages.success(request, _("投票已结束,结果已公示。"))
        else:
            raise ApplicationError(_("没有这个操作。"), code="unknown")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("vote_detail", pk=vote.pk)


@login_required
@require_POST
def task_new(request: HttpRequest, pk: int) -> HttpResponse:
    topic = _run(request, pk)
    try:
        due = dt.date.fromisoformat(request.POST.get("due_on", ""))
    except ValueError:
        messages.error(request, _("请填写完成期限。"))
        return redirect("topic_detail", pk=topic.pk)
    try:
        services.task_add(
            actor=request.user,
            topic=topic,
            title=request.POST.get("title", ""),
            responsible=request.POST.get("responsible", ""),
            due_on=due,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("topic_detail", pk=topic.pk)


@login_required
@require_POST
def task_finish(request: HttpRequest, pk: int) -> HttpResponse:
    from weiwang.deliberation.models import FollowUpTask

    task = FollowUpTask.objects.filter(pk=pk).first()
    if task is None:
        raise Http404
    topic = _run(request, task.topic_id)
    try:
        services.task_done(actor=request.user, task=task, note=request.POST.get("note", ""))
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("topic_detail", pk=topic.pk)
