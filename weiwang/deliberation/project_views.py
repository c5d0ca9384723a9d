"""Pages of the micro-projects: funds and their projects (public to the community), proposals,
the five steps, the ballot and the selection, spending with receipts, acceptance, ratings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db.models import Q, Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.deliberation import projects, selectors
from weiwang.deliberation.models import Fund, ProjectStatus, Spending
from weiwang.regions.models import RegionLevel
from weiwang.regions.selectors import regions_for_user


def _money(value: str) -> Decimal:
    try:
        return Decimal((value or "").replace(",", "").strip())
    except InvalidOperation:
        raise ApplicationError(_("金额应是数字,例如 12000 或 3500.50。"), code="money") from None


@login_required
def fund_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.PROPOSE_TOPICS)
    funded = [ProjectStatus.SELECTED, ProjectStatus.IMPLEMENTING, ProjectStatus.ACCEPTED]
    funds = (
        selectors.funds_for_user(request.user)
        .annotate(committed=Sum("projects__estimate", filter=Q(projects__status__in=funded)))
        .order_by("-year", "community__name")
    )
    rows = [(f, f.committed or Decimal("0")) for f in funds[:50]]
    communities = []
    if can(request.user, Action.RUN_CONSULTATIONS):
        communities = regions_for_user(request.user).filter(level=RegionLevel.COMMUNITY)[:100]
    context = {"rows": rows, "communities": communities, "year": timezone.localdate().year}
    return render(request, "deliberation/fund_list.html", context)


@login_required
@require_POST
def fund_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.RUN_CONSULTATIONS)
    community = get_or_404(
        regions_for_user(request.user).filter(level=RegionLevel.COMMUNITY),
        request.POST.get("community", ""),
    )
    try:
        year = int(request.POST.get("year", ""))
        budget = _money(request.POST.get("budget", ""))
        if budget <= 0:
            raise ApplicationError(_("预算应大于 0。"), code="budget")
        if Fund.objects.filter(community=community, year=year).exists():
            raise ApplicationError(_("这个社区这一年的资金已经登记过了。"), code="fund_exists")
        fund = Fund.objects.create(community=community, year=year, budget=budget)
    except ValueError:
        messages.error(request, _("请填写年度。"))
        return redirect("fund_list")
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("fund_list")
    return redirect("fund_detail", pk=fund.pk)


@login_required
def fund_detail(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_or_404(selectors.funds_for_user(request.user), pk)
    items = list(fund.projects.annotate(spent_total=Sum("spending__amount")))
    spent = [item.spent_total or Decimal("0") for item in items]
    context = {
        "fund": fund,
        "projects": list(zip(items, spent, strict=True)),
        "total_spent": sum(spent, Decimal("0")),
        "runs": selectors.runs_fund(request.user, fund),
    }
    return render(request, "deliberation/fund_detail.html", context)


@login_required
@require_POST
def fund_act(request: HttpRequest, pk: int) -> HttpResponse:
    fund = get_or_404(selectors.funds_for_user(request.user), pk)
    if not selectors.runs_fund(request.user, fund):
        raise Http404
    try:
        if request.POST.get("what") == "ballot":
            opens = form_datetime(request.POST.get("opens_at")) or timezone.now()
            closes = form_datetime(request.POST.get("closes_at"))
            if closes is None:
                raise ApplicationError(_("请填写投票截止时间。"), code="window")
            projects.fund_ballot(
                actor=request.user,
                fund=fund,
                opens_at=opens,
                closes_at=closes,
                max_choices=int(request.POST.get("max_choices") or 3),
            )
            messages.success(request, _("项目投票已创建,请在表决页开始投票。"))
        elif request.POST.get("what") == "select":
            chosen = projects.fund_select(actor=request.user, fund=fund)
            messages.success(
                request, _("已按得票在预算内确定 %(n)d 个入选项目。") % {"n": len(chosen)}
            )
        else:
            raise ApplicationError(_("没有这个操作。"), code="unknown")
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("fund_detail", pk=fund.pk)


@login_required
def project_new(request: HttpRequest, pk: int) -> HttpResponse:
    """Propose a project for a fund (residents, groups, organisations, staff)."""
    require(request.user, Action.PROPOSE_TOPICS)
    fund = get_or_404(selectors.funds_for_user(request.user), pk)
    error = ""
    if request.method == "POST":
        try:
            project = projects.project_propose(
                actor=request.user,
                fund=fund,
                title=request.POST.get("title", ""),
                place=request.POST.get("place", ""),
                why=request.POST.get("why", ""),
                estimate=_money(request.POST.get("estimate", "")),
                proposed_by=request.POST.get("proposed_by", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            return redirect("project_detail", pk=project.pk)
    context = {"fund": fund, "error": error, "data": request.POST}
    return render(request, "deliberation/project_new.html", context, status=400 if error else 200)


@login_required
def project_detail(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    ratings = list(project.ratings.values_list("rating", flat=True))
    context = {
        "project": project,
        "steps": project.steps.select_related("actor"),
        "spending": project.spending.all(),
        "milestones": project.milestones.all(),
        "spent": projects.spent(project),
        "runs": selectors.runs_fund(request.user, project.fund),
        "ratings": {k: ratings.count(k) for k in ("satisfied", "basic", "dissatisfied")},
        "can_rate": project.status == ProjectStatus.ACCEPTED and bool(request.user.resident_id),
    }
    return render(request, "deliberation/project_detail.html", context)


@login_required
@require_POST
def project_act(request: HttpRequest, pk: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    what, note = request.POST.get("what", ""), request.POST.get("note", "")
    try:
        if what == "rate":
            if not request.user.resident_id:
                raise Http404
            projects.project_rate(
                user=request.user,
                project=project,
                rating=request.POST.get("rating", ""),
                comment=note,
            )
            messages.success(request, _("谢谢您的评价。"))
            return redirect("project_detail", pk=project.pk)
        if not selectors.runs_fund(request.user, project.fund):
            raise Http404
        if what in ("approve", "refuse"):
            projects.project_council(
                actor=request.user, project=project, approve=what == "approve", note=note
            )
        elif what == "implement":
            projects.project_implement(actor=request.user, project=project, implementer=note)
        elif what == "spend":
            try:
                spent_on = dt.date.fromisoformat(request.POST.get("spent_on", ""))
            except ValueError:
                raise ApplicationError(_("请填写支出日期。"), code="spent_on") from None
            projects.spending_add(
                actor=request.user,
                project=project,
                item=request.POST.get("item", ""),
                amount=_money(request.POST.get("amount", "")),
                spent_on=spent_on,
                receipt=request.FILES.get("receipt"),
            )
        elif what == "milestone":
            try:
                due = dt.date.fromisoformat(request.POST.get("due_on", ""))
            except ValueError:
                raise ApplicationError(_("请填写计划日期。"), code="due_on") from None
            projects.milestone_add(project=project, title=note, due_on=due)
        elif what == "milestone_done":
            projects.milestone_done(
                project=project,
                milestone_id=int(request.POST.get("milestone") or 0),
                done_on=timezone.localdate(),
            )
        elif what == "accept":
            projects.project_accept(actor=request.user, project=project, note=note)
        elif what == "supervise":
            projects.project_supervise(actor=request.user, project=project, note=note)
        else:
            raise ApplicationError(_("没有这个操作。"), code="unknown")
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已保存。"))
    return redirect("project_detail", pk=project.pk)


@login_required
def receipt(request: HttpRequest, pk: int, entry: int) -> HttpResponse:
    project = selectors.get_project_for_user(request.user, pk)
    item = Spending.objects.filter(project=project, pk=entry).first()
    if item is None:
        raise Http404
    return FileResponse(item.receipt.open("rb"), content_type="image/jpeg")
