"""Party building pages: the community's organisations and figures, members and units for
staff, the needs list (post, claim, done, rate), quarterly service records and their sheet."""

from __future__ import annotations

import io
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.errors import ApplicationError
from weiwang.party import selectors, services
from weiwang.party.models import NeedStatus, PartyMember, Relation
from weiwang.regions.selectors import (
    get_region_for_user,
    home_community,
    narrow_to_region,
    regions_for_user,
)

PAGE_SIZE = 30


@login_required
def party_home(request: HttpRequest) -> HttpResponse:
    community = home_community(request.user)
    if community is None:
        staff = regions_for_user(request.user).filter(level="community").order_by("path")
        community = staff.first()
    if community is None:
        raise Http404
    status = request.GET.get("status", "open")
    needs = selectors.needs_for_user(request.user).filter(region_path=community.path)
    needs = needs.filter(status__in=selectors.OPEN_NEEDS if status == "open" else [status])
    context = {
        "community": community,
        "figures": selectors.figures(community),
        "organisations": selectors.organisations_for_user(request.user).filter(
            region_path__startswith=community.path
        ),
        "page": Paginator(needs, PAGE_SIZE).get_page(request.GET.get("page")),
        "status": status,
        "statuses": NeedStatus.choices,
        "query": f"status={status}",
        "manages": can(request.user, Action.MANAGE_PARTY),
    }
    return render(request, "party/home.html", context)


@login_required
def member_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_PARTY)
    region = request.GET.get("region", "")
    members = narrow_to_region(selectors.members_for_staff(request.user), region)
    relation, shown = request.GET.get("relation", ""), request.GET.get("shown", "")
    if relation in Relation.values:
        members = members.filter(relation=relation)
    if shown in ("yes", "no"):
        members = members.filter(identity_shown_on__isnull=shown == "no")
    context = {
        "page": Paginator(members, PAGE_SIZE).get_page(request.GET.get("page")),
        "relation": relation,
        "shown": shown,
        "relations": Relation.choices,
        "query": urlencode({"relation": relation, "shown": shown, "region": region}),
        "units": selectors.units_for_staff(request.user),
    }
    return render(request, "party/members.html", context)


@login_required
def member_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_PARTY)
    organisations = selectors.organisations_for_user(request.user).filter(
        region_path__in=regions_for_user(request.user).values("path")
    )
    post, error = request.POST, ""
    if request.method == "POST":
        try:
            organisation = get_or_404(organisations, post.get("organisation") or 0)
            serves = None
            if post.get("serves"):
                serves = get_region_for_user(request.user, post.get("serves"))
            services.member_register(
                actor=request.user,
                organisation=organisation,
                name=post.get("name", ""),
                relation=post.get("relation", ""),
                serves=serves,
                skills=post.get("skills", ""),
                available=post.get("available", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("党员已登记。"))
            return redirect("party_members")
    context = {
        "organisations": organisations,
        "micro_grids": regions_for_user(request.user)
        .filter(level="micro_grid")
        .order_by("path")[:300],
        "relations": Relation.choices,
        "post": post,
        "error": error,
    }
    return render(request, "party/member_new.html", context, status=400 if error else 200)


@login_required
@require_POST
def member_act(request: HttpRequest, pk: int) -> HttpResponse:
    """Staff record that a member showed their identity, or their dual registration."""
    require(request.user, Action.MANAGE_PARTY)
    member = get_or_404(selectors.members_for_staff(request.user), pk)
    try:
        if request.POST.get("act") == "show":
            services.identity_show(actor=request.user, member=member)
        else:
            unit = get_or_404(
                selectors.units_for_staff(request.user), request.POST.get("unit") or 0
            )
            services.dual_register(actor=request.user, member=member, unit=unit)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已登记。"))
    return redirect("party_members")


@login_required
def central_household(request: HttpRequest, pk: int) -> HttpResponse:
    """Make a member's household a 党员中心户 and choose the neighbours it looks after."""
    from weiwang.party.models import CentralHousehold
    from weiwang.people.models import Household

    require(request.user, Action.MANAGE_PARTY)
    member = get_or_404(selectors.members_for_staff(request.user).exclude(resident=None), pk)
    home = member.resident.household
    nearby = (
        Household.objects.filter(micro_grid_id=home.micro_grid_id)
        .exclude(pk=home.pk)
        .select_related("dwelling")
        .order_by("dwelling__address")[:200]
    )
    if request.method == "POST":
        chosen = [h for h in nearby if str(h.pk) in request.POST.getlist("neighbours")]
        try:
            services.central_household_set(actor=request.user, member=member, neighbours=chosen)
        except ApplicationError as failure:
            messages.error(request, failure.message)
        else:
            messages.success(request, _("党员中心户已保存。"))
            return redirect("party_members")
    current = CentralHousehold.objects.filter(member=member).first()
    context = {
        "member": member,
        "home": home,
        "nearby": nearby,
        "chosen": set(current.neighbours.values_list("pk", flat=True)) if current else set(),
    }
    return render(request, "party/central.html", context)


@login_required
def unit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_PARTY)
    communities = regions_for_user(request.user).filter(level="community").order_by("path")
    error = ""
    if request.method == "POST":
        try:
            services.unit_register(
                actor=request.user,
                community=get_region_for_user(request.user, request.POST.get("community") or 0),
                name=request.POST.get("name", ""),
                contact=request.POST.get("contact", ""),
                resources=request.POST.get("resources", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("单位已报到。"))
            return redirect("party_units")
    context = {
        "units": selectors.units_for_staff(request.user),
        "communities": communities,
        "error": error,
        "year": timezone.localdate().year,
        "quarter": (timezone.localdate().month - 1) // 3 + 1,
    }
    return render(request, "party/units.html", context, status=400 if error else 200)


@login_required
def need_new(request: HttpRequest) -> HttpResponse:
    community = home_community(request.user)
    if community is None:
        raise Http404
    error = ""
    if request.method == "POST":
        try:
            need = services.need_post(
                actor=request.user,
                community=community,
                title=request.POST.get("title", ""),
                description=request.POST.get("description", ""),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("需求已发布,党员接单后会通知您。"))
            return redirect("need_detail", pk=need.pk)
    context = {"community": community, "error": error, "post": request.POST}
    return render(request, "party/need_new.html", context, status=400 if error else 200)


@login_required
def need_detail(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_or_404(selectors.needs_for_user(request.user), pk)
    member = PartyMember.objects.filter(user=request.user).first()
    manages = can(request.user, Action.MANAGE_PARTY)
    context = {
        "need": need,
        "member": member,
        "manages": manages,
        "units": selectors.units_for_staff(request.user).filter(region_path=need.region_path)
        if manages
        else [],
        "is_poster": need.posted_by_id == request.user.pk,
        "is_claimer": member is not None and need.member_id == member.pk,
    }
    return render(request, "party/need_detail.html", context)


@login_required
@require_POST
def need_move(request: HttpRequest, pk: int) -> HttpResponse:
    need = get_or_404(selectors.needs_for_user(request.user), pk)
    move = request.POST.get("move", "")
    member = PartyMember.objects.filter(user=request.user).first()
    manages = can(request.user, Action.MANAGE_PARTY)
    unit = None
    if move == "claim" and request.POST.get("unit") and manages:
        unit = get_or_404(selectors.units_for_staff(request.user), request.POST.get("unit"))
        member = None
    if not selectors.may_move_need(request.user, need, move, member=member, unit=unit):
        messages.error(request, _("您不能进行这个操作。"))
        return redirect("need_detail", pk=need.pk)
    try:
        services.need_move(
            actor=request.user,
            need=need,
            move=move,
            member=member if move == "claim" else None,
            unit=unit,
            note=request.POST.get("note", ""),
            rating=int(request.POST.get("rating") or 0) or None,
        )
    except ValueError:
        messages.error(request, _("请打 1 到 5 分。"))
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(request, _("已更新。"))
    return redirect("need_detail", pk=need.pk)


def _quarter(request: HttpRequest) -> tuple[int, int]:
    today = timezone.localdate()
    try:
        year = int(request.GET.get("year") or today.year)
        quarter = int(request.GET.get("quarter") or (today.month - 1) // 3 + 1)
    except ValueError:
        return today.year, (today.month - 1) // 3 + 1
    return year, min(max(quarter, 1), 4)


@login_required
def records(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_PARTY)
    year, quarter = _quarter(request)
    rows = selectors.member_records(selectors.members_for_staff(request.user), year, quarter)
    if request.GET.get("format") == "xlsx":
        return _records_sheet(rows, year, quarter)
    context = {"rows": rows, "year": year, "quarter": quarter, "quarters": range(1, 5)}
    return render(request, "party/records.html", context)


def _records_sheet(rows, year: int, quarter: int) -> HttpResponse:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("党员服务记录"))
    sheet.append([_("%(y)s 年第 %(q)s 季度党员服务记录") % {"y": year, "q": quarter}])
    sheet.append(
        [_("姓名"), _("党组织"), _("组织关系"), _("完成需求"), _("平均评分"), _("志愿服务(小时)")]
    )
    for row in rows:
        member = row.who
        sheet.append(
            [
                member.name,
                member.organisation.name,
                member.get_relation_display(),
                row.needs_done,
                row.rating or "",
                round(row.volunteer_minutes / 60, 1),
            ]
        )
    out = io.BytesIO()
    workbook.save(out)
    response = HttpResponse(
        out.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = f'attachment; filename="party-{year}-q{quarter}.xlsx"'
    return response


@login_required
def unit_record(request: HttpRequest, pk: int) -> HttpResponse:
    """A printable quarterly record for an employer unit."""
    require(request.user, Action.MANAGE_PARTY)
    unit = get_or_404(selectors.units_for_staff(request.user), pk)
    year, quarter = _quarter(request)
    context = {
        "unit": unit,
        "year": year,
        "quarter": quarter,
        **selectors.unit_record(unit, year, quarter),
    }
    return render(request, "party/unit_record.html", context)
