from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from weiwang.access import grants_for
from weiwang.accounts.models import Role
from weiwang.regions.selectors import top_regions_for_user


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """工作台: what this user can do, by role."""
    assignments = [
        {"role": Role(g.role).label, "region_id": g.region_id} for g in grants_for(request.user)
    ]
    return render(
        request,
        "core/home.html",
        {"top_regions": top_regions_for_user(request.user), "assignments": assignments},
    )


def healthz(request: HttpRequest) -> HttpResponse:
    return HttpResponse("ok", content_type="text/plain")
