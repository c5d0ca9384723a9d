"""The dashboard (数据驾驶舱) of a region and its children, read from the pre-aggregated
figures; every child links to its own dashboard, down to the micro-grid's page and rows."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render

from weiwang.access import Action, require
from weiwang.dashboards.models import RegionDaily
from weiwang.regions.models import Region
from weiwang.regions.selectors import get_region_for_user, top_regions_for_user


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
    latest = RegionDaily.objects.filter(region=region).order_by("-day").first()
    children = list(Region.objects.filter(parent=region).order_by("pk"))
    rows = {}
    if latest is not None:
        rows = {
            r.region_id: r for r in RegionDaily.objects.filter(day=latest.day, region__in=children)
        }
    context = {
        "region": region,
        "figures": latest,
        "children": [(child, rows.get(child.pk)) for child in children],
        "ancestors": Region.objects.filter(pk__in=region.ancestor_ids).order_by("path"),
    }
    return render(request, "dashboards/dashboard.html", context)
