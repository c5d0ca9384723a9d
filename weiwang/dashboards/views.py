"""The dashboard (数据驾驶舱) of a region: figures, charts, the map of the regions below it and
the list behind every figure, read from the pre-aggregated rows; drawing boundaries; reports."""

from __future__ import annotations

import json

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, require
from weiwang.core.errors import ApplicationError
from weiwang.dashboards import reports, selectors, services
from weiwang.dashboards.models import Report, ReportPeriod, ReportStatus
from weiwang.regions.models import Region, RegionLevel
from weiwang.regions.selectors import get_region_for_user, top_regions_for_user


def _tiles() -> dict:
    return {
        "url": settings.MAP_TILES,
        "subdomains": settings.MAP_TILE_SUBDOMAINS,
        "attribution": settings.MAP_ATTRIBUTION,
    }


@login_required
def dashboard_home(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REGIONS)
    tops = top_regions_for_user(request.user)
    if not tops:
        return render(request, "dashboards/none.html")
    return redirect("dashboard", pk=tops[0].pk)


@login_required
def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_REGIONS)
    region = get_region_for_user(request.user, pk)
    board = selectors.dashboard_of(region)
    charts = {
        "weeks": board.weeks,
        "categories": [(label, n) for _key, label, n in board.categories[:10]],
        "tiers": [(label, n) for _key, label, n in board.tiers],
        "sources": [(label, n) for _key, label, n in board.sources],
        "children": selectors.ranking_rows(board),
    }
    context = {
        "region": region,
        "board": board,
        "figures": board.figures,
        "children": board.children,
        "ancestors": Region.objects.filter(pk__in=region.ancestor_ids).order_by("path"),
        "charts": charts,
        "map": selectors.map_data(board, request.user),
        "tiles": _tiles(),
        "may_manage": can(request.user, Action.MANAGE_DASHBOARDS),
        "is_micro_grid": region.level == RegionLevel.MICRO_GRID,
    }
    return render(request, "dashboards/dashboard.html", context)


@login_required
def boundaries(request: HttpRequest, pk: int) -> HttpResponse:
    """Draw the outlines of a region's children (and its own) on the map."""
    require(request.user, Action.MANAGE_DASHBOARDS)
    region = get_region_for_user(request.user, pk, action=Action.MANAGE_DASHBOARDS)
    board = selectors.dashboard_of(region, with_drawn=True)
    shapes = selectors.map_data(board, request.user)
    context = {
        "region": region,
        "children": board.children,
        "map": shapes,
        "tiles": _tiles(),
        "ancestors": Region.objects.filter(pk__in=region.ancestor_ids).order_by("path"),
    }
    return render(request, "dashboards/boundaries.html", context)


@login_required
@require_POST
def boundary_save(request: HttpRequest, pk: int) -> JsonResponse:
    require(request.user, Action.MANAGE_DASHBOARDS)
    region = get_region_for_user(request.user, pk, action=Action.MANAGE_DASHBOARDS)
    try:
        body = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        return JsonResponse(
            {"error": "invalid", "message": _("提交的内容不是有效的数据。")}, status=400
        )
    try:
        if body.get("delete"):
            services.boundary_delete(actor=request.user, region=region)
            return JsonResponse({"region": region.pk, "deleted": True})
        boundary = services.boundary_save(
            actor=request.user, region=region, geometry=body.get("geometry")
        )
    except ApplicationError as error:
        return JsonResponse({"error": error.code, "message": error.message}, status=400)
    return JsonResponse({"region": region.pk, "geometry": boundary.geometry})


@login_required
def report_list(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.VIEW_REGIONS)
    region = get_region_for_user(request.user, pk)
    error = ""
    if request.method == "POST":
        require(request.user, Action.MANAGE_DASHBOARDS)
        get_region_for_user(request.user, pk, action=Action.MANAGE_DASHBOARDS)
        try:
            reports.report_request(
                actor=request.user, region=region, period=request.POST.get("period", "")
            )
            return redirect("report_list", pk=region.pk)
        except ApplicationError as failure:
            error = failure.message
    archived = Report.objects.filter(region=region)
    page = Paginator(archived, 20).get_page(request.GET.get("page"))
    context = {
        "region": region,
        "page": page,
        "periods": ReportPeriod.choices,
        "error": error,
        "pending": any(r.status == ReportStatus.PENDING for r in page),
        "may_manage": can(request.user, Action.MANAGE_DASHBOARDS),
    }
    return render(request, "dashboards/reports.html", context, status=400 if error else 200)


@login_required
def report_file(request: HttpRequest, pk: int, kind: str) -> FileResponse:
    require(request.user, Action.VIEW_REGIONS)
    report = Report.objects.filter(pk=pk).select_related("region").first()
    if report is None or kind not in {"pdf", "xlsx"}:
        raise Http404
    get_region_for_user(request.user, report.region_id)  # 404 outside the user's scope
    stored = getattr(report, kind)
    if not stored:
        raise Http404
    name = f"{report.region.name}-{report.get_period_display()}-{report.starts_on}.{kind}"
    return FileResponse(stored.open("rb"), as_attachment=True, filename=name)
