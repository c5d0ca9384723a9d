"""The grid groups (网格E家): the registry workers keep (which households are in which group,
the robot's webhook key stored encrypted), coverage per micro-grid and grid, households no
group reaches, and a resident's request in a group turned into a case in one step."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.db.models import Count, Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, get_or_404, require, scope_q
from weiwang.cases.selectors import active_categories
from weiwang.core import crypto
from weiwang.core.errors import ApplicationError
from weiwang.notices.models import GridGroup
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Region
from weiwang.regions.selectors import get_region_for_user, regions_for_user


def groups_for_user(user):
    where = scope_q(user, Action.PUBLISH_NOTICES, path="region_path", building="", household="")
    return GridGroup.objects.filter(where).select_related("region")


@dataclass
class GroupCoverage:
    region: Region
    residents: int
    reached: int

    @property
    def percent(self) -> int:
        return round(100 * self.reached / self.residents) if self.residents else 0


def coverage(region: Region) -> tuple[list[GroupCoverage], GroupCoverage]:
    """Per child region and in all: current residents, and those whose household is in at
    least one grid group."""
    in_group = GridGroup.households.through.objects.filter(household_id=OuterRef("household_id"))
    people = Resident.objects.filter(region_path__startswith=region.path, status="current")
    depth = len(region.path.strip("/").split("/"))
    counts: dict[str, list[int]] = {}
    for path, reached in (
        people.annotate(reached=Exists(in_group))
        .values_list("region_path", "reached")
        .iterator(chunk_size=5000)
    ):
        parts = path.strip("/").split("/")
        key = parts[depth] if len(parts) > depth else ""
        row = counts.setdefault(key, [0, 0])
        row[0] += 1
        row[1] += bool(reached)
    children = Region.objects.in_bulk([int(k) for k in counts if k])
    rows = [
        GroupCoverage(children[int(k)], v[0], v[1])
        for k, v in counts.items()
        if k and int(k) in children
    ]
    total = GroupCoverage(
        region, sum(v[0] for v in counts.values()), sum(v[1] for v in counts.values())
    )
    return sorted(rows, key=lambda r: r.region.pk), total


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


def _group_form(request: HttpRequest, group: GridGroup | None):
    post = request.POST
    region = get_region_for_user(request.user, post.get("region") or 0)
    if region.level not in ("grid", "micro_grid"):
        raise ApplicationError(_("网格群应属于一个网格或微网格。"))
    if not post.get("name", "").strip():
        raise ApplicationError(_("请填写群名称。"))
    try:
        members = int(post.get("member_count") or 0)
    except ValueError:
        raise ApplicationError(_("群成员数应是整数。")) from None
    group = group or GridGroup()
    group.name, group.region, group.region_path = post["name"].strip()[:60], region, region.path
    group.platform = (
        post.get("platform") if post.get("platform") in GridGroup.Platform.values else "wechat"
    )
    group.member_count = max(0, members)
    key = post.get("webhook_key", "").strip()
    if key:
        group.webhook_key_encrypted = crypto.encrypt(key)
    if post.get("clear_webhook"):
        group.webhook_key_encrypted = ""
    with transaction.atomic():
        group.save()
        chosen = Household.objects.filter(
            region_path__startswith=region.path, pk__in=post.getlist("households")
        )
        group.households.set(chosen)
    return group


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
