from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, require
from weiwang.core.errors import ApplicationError
from weiwang.people.selectors import (
    dwelling_history,
    residents_for_user,
    tag_counts_in_region,
    with_list_relations,
)
from weiwang.regions import selectors, services
from weiwang.regions.forms import BuildingAssignForm
from weiwang.regions.models import Dwelling, Region, RegionLevel


@login_required
def region_index(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_REGIONS)
    tops = selectors.top_regions_for_user(request.user)
    if len(tops) == 1:
        return redirect("region_detail", pk=tops[0].pk)
    return render(request, "regions/index.html", {"regions": tops})


@login_required
def region_detail(request: HttpRequest, pk: int) -> HttpResponse:
    region = selectors.get_region_for_user(request.user, pk)
    context = {
        "region": region,
        "ancestors": selectors.ancestors_of(region),
        "visible_ancestor_ids": selectors.visible_ancestor_ids(request.user, region),
    }
    if region.level == RegionLevel.MICRO_GRID:
        context["buildings"] = buildings = selectors.buildings_in_region(request.user, region)
        context["empty_buildings"] = selectors.assigned_buildings_without_dwellings(
            region, exclude=[b.pk for b in buildings]
        )
        context["can_edit"] = can(request.user, Action.EDIT_RESIDENTS)
    else:
        context["children"] = selectors.children_of(region)
        context["child_level_label"] = RegionLevel(region.child_level).label
    return render(request, "regions/region_detail.html", context)


@login_required
def region_tags(request: HttpRequest, pk: int) -> HttpResponse:
    """特殊人群: each tag with its count in the region, linking to the filtered list."""
    region = selectors.get_region_for_user(request.user, pk)
    rows = tag_counts_in_region(request.user, region)
    return render(request, "regions/region_tags.html", {"region": region, "rows": rows})


@login_required
def building_detail(request: HttpRequest, pk: int) -> HttpResponse:
    building = selectors.get_building_for_user(request.user, pk)
    dwellings = Dwelling.objects.filter(unit__building=building)
    context = {
        "building": building,
        "units": selectors.units_in_building(request.user, building),
        "micro_grids": selectors.micro_grids_of(dwellings, also=building.micro_grid_id),
        "move_url": reverse("building_move", args=[building.pk]),
        **_move_choices(request.user, dwellings, building.estate.community_id),
    }
    return render(request, "regions/building_detail.html", context)


@login_required
def unit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    unit = selectors.get_unit_for_user(request.user, pk)
    dwellings = Dwelling.objects.filter(unit=unit)
    context = {
        "unit": unit,
        "dwellings": selectors.dwellings_in_unit(request.user, unit),
        "micro_grids": selectors.micro_grids_of(dwellings),
        "move_url": reverse("unit_move", args=[unit.pk]),
        **_move_choices(request.user, dwellings, unit.building.estate.community_id),
    }
    return render(request, "regions/unit_detail.html", context)


def _move_choices(user, dwellings, community_id: int) -> dict[str, object]:
    if not can(user, Action.EDIT_RESIDENTS) or not selectors.wholly_editable(user, dwellings):
        return {}
    return {"move_choices": selectors.micro_grids_to_move_into(user, community_id)}


@login_required
@require_POST
def building_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-gridding: move the whole building into another micro-grid of its community."""
    require(request.user, Action.EDIT_RESIDENTS)
    building = selectors.get_building_for_user(request.user, pk)
    return _move(
        request,
        Dwelling.objects.filter(unit__building=building),
        building.estate.community_id,
        lambda grid: services.building_move(actor=request.user, building=building, micro_grid=grid),
        label=str(building),
        back=redirect("building_detail", pk=building.pk),
    )


@login_required
@require_POST
def unit_move(request: HttpRequest, pk: int) -> HttpResponse:
    """Re-gridding: move one unit into another micro-grid of its community."""
    require(request.user, Action.EDIT_RESIDENTS)
    unit = selectors.get_unit_for_user(request.user, pk)
    return _move(
        request,
        Dwelling.objects.filter(unit=unit),
        unit.building.estate.community_id,
        lambda grid: services.unit_move(actor=request.user, unit=unit, micro_grid=grid),
        label=f"{unit.building}{unit}",
        back=redirect("unit_detail", pk=unit.pk),
    )


def _move(request, dwellings, community_id: int, mover, *, label: str, back) -> HttpResponse:
    if not selectors.wholly_editable(request.user, dwellings):
        messages.error(request, _("这里有房屋不在您负责的范围内,请联系上级网格调整。"))
        return back
    choices = selectors.micro_grids_to_move_into(request.user, community_id)
    try:
        target = choices.get(pk=int(request.POST.get("micro_grid", "")))
    except (ValueError, Region.DoesNotExist):
        messages.error(request, _("请选择要划入的微网格。"))
        return back
    try:
        moved = mover(target)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("已将%(place)s划入“%(grid)s”,%(count)d 套房屋及其住户随之调整。")
            % {"place": label, "grid": target.name, "count": moved},
        )
    return back


@login_required
def dwelling_detail(request: HttpRequest, pk: int) -> HttpResponse:
    dwelling = selectors.get_dwelling_for_user(request.user, pk)
    residents = with_list_relations(
        residents_for_user(request.user).filter(household__dwelling=dwelling, status="current"),
        request.user,
    ).order_by("household_id", "id")
    context = {
        "dwelling": dwelling,
        "residents": residents,
        "history": dwelling_history(dwelling)[:50],
        "can_edit": can(request.user, Action.EDIT_RESIDENTS),
    }
    if can(request.user, Action.HANDLE_CASES):
        from weiwang.visits.views import visits_for_user

        context["visit_households"] = sorted({r.household_id for r in residents})
        context["visits"] = visits_for_user(request.user).filter(household__dwelling=dwelling)[:10]
    return render(request, "regions/dwelling_detail.html", context)


@login_required
def building_assign(request: HttpRequest, pk: int) -> HttpResponse:
    """Put a building into this micro-grid, so its dwellings can be registered or imported."""
    require(request.user, Action.EDIT_RESIDENTS)
    region = selectors.get_region_for_user(request.user, pk)
    if region.level != RegionLevel.MICRO_GRID:
        raise Http404
    form = BuildingAssignForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            building = services.building_assign(
                actor=request.user,
                micro_grid=region,
                estate_name=form.cleaned_data["estate"],
                number=form.cleaned_data["number"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已将%(building)s划入本微网格。") % {"building": building})
            return redirect("region_detail", pk=region.pk)
    context = {"region": region, "form": form, "estates": selectors.estates_of(region)}
    return render(
        request, "regions/building_assign.html", context, status=400 if form.errors else 200
    )
