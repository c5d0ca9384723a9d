"""The grid groups (网格E家): the registry workers keep (which households are in which group,
the robot's webhook key stored encrypted), coverage per micro-grid and grid, households no
group reaches, and a resident's request in a group turned into a case in one step."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, get_or_404, require, scope_q
from weiwang.cases.selectors import active_categories
from weiwang.core.errors import ApplicationError
from weiwang.notices.models import GridGroup
from weiwang.notices.notice_services import grid_group_save
from weiwang.notices.selectors import coverage, groups_for_user
from weiwang.people.models import Household
from weiwang.regions.selectors import get_region_for_user, regions_for_user


@login_required
def group_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.PUBLISH_NOTICES)
    regions = (
        regions_for_user(request.user).filter(level__in=["community", "grid"]).order_by("path")
    )
    region = None
    if request.GET.get("region"):
        region = get_region_for_user(request.user, request.GET["region"])
    region = region or regions.first()
    groups = groups_for_user(request.user).annotate(households_n=Count("households"))
    groups = groups.order_by("region_path", "name")
    if region is not None:
        groups = groups.filter(region_path__startswith=region.path)
    context = {
        "page": Paginator(groups, 20).get_page(request.GET.get("page")),
        "query": f"region={region.pk}" if region else "",
        "regions": regions[:200],
        "region": region,
    }
    if region is not None:
        rows, total = coverage(region)
        unreached = (
            Household.objects.filter(region_path__startswith=region.path)
            .filter(members__status="current")
            .exclude(grid_groups__isnull=False)
            .distinct()
            .select_related("dwelling")
            .order_by("dwelling__address")[:100]
        )
        context |= {"rows": rows, "total": total, "unreached": unreached}
    return render(request, "notices/groups.html", context)


def _group_form(request: HttpRequest, group: GridGroup | None) -> GridGroup:
    post = request.POST
    try:
        members = int(post.get("member_count") or 0)
    except ValueError:
        raise ApplicationError(_("群成员数应是整数。")) from None
    return grid_group_save(
        actor=request.user,
        group=group,
        region=get_region_for_user(request.user, post.get("region") or 0),
        name=post.get("name", ""),
        platform=post.get("platform", ""),
        member_count=members,
        webhook_key=post.get("webhook_key", ""),
        clear_webhook=bool(post.get("clear_webhook")),
        household_ids=post.getlist("households"),
    )


@login_required
def group_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    """Add or edit a group: its grid, member count, robot key (write-only), and which
    households are in it."""
    require(request.user, Action.PUBLISH_NOTICES)
    group = get_or_404(groups_for_user(request.user), pk) if pk else None
    error = ""
    if request.method == "POST":
        try:
            group = _group_form(request, group)
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("网格群已保存。"))
            return redirect("grid_group", pk=group.pk)
    region = group.region if group else None
    households = []
    if region is not None:
        households = (
            Household.objects.filter(region_path__startswith=region.path, members__status="current")
            .distinct()
            .select_related("dwelling")
            .order_by("dwelling__address")[:500]
        )
    context = {
        "group": group,
        "regions": regions_for_user(request.user)
        .filter(level__in=["grid", "micro_grid"])
        .filter(
            scope_q(request.user, Action.PUBLISH_NOTICES, path="path", building="", household="")
        )
        .order_by("path")[:300],
        "platforms": GridGroup.Platform.choices,
        "households": households,
        "in_group": set(group.households.values_list("pk", flat=True)) if group else set(),
        "categories": active_categories(),
        "error": error,
    }
    return render(request, "notices/group_edit.html", context, status=400 if error else 200)


@login_required
@require_POST
def group_request_to_case(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident's message in the group becomes a case for the group's grid, in one step."""
    from weiwang.cases.models import CaseSource
    from weiwang.cases.services import case_report

    require(request.user, Action.HANDLE_CASES)
    group = get_or_404(groups_for_user(request.user), pk)
    category = active_categories().filter(pk=request.POST.get("category") or 0).first()
    text = request.POST.get("text", "").strip()
    micro = (
        group.region
        if group.region.level == "micro_grid"
        else group.region.children.order_by("pk").first()
    )
    try:
        if category is None or not text:
            raise ApplicationError(_("请选择分类并贴上居民在群里说的话。"))
        case, _code = case_report(
            actor=request.user,
            category=category,
            description=_("(来自网格群“%(group)s”)%(text)s") % {"group": group.name, "text": text},
            micro_grid=micro,
            source=CaseSource.WORKER,
            people_involved=request.POST.get("who", "")[:50],
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
        return redirect("grid_group", pk=group.pk)
    messages.success(request, _("已转为事件。"))
    return redirect("case_detail", pk=case.pk)
