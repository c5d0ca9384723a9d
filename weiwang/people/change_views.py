"""Pages that register life events: changes of a resident, and new residents of a dwelling."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import Action, require
from weiwang.core.errors import ApplicationError
from weiwang.people import life_events, selectors
from weiwang.people.forms import CHANGE_KINDS, NewResidentForm, ResidentChangeForm
from weiwang.regions.selectors import dwellings_for_user, get_dwelling_for_user


def _apply_change(user, resident, kind: str, data: dict) -> None:
    day = data["occurred_on"]
    if kind == "move_out":
        life_events.resident_move_out(
            actor=user, resident=resident, occurred_on=day, destination=data["destination"]
        )
    elif kind == "death":
        life_events.resident_death(
            actor=user, resident=resident, occurred_on=day, note=data["note"]
        )
    elif kind == "move_within":
        target = dwellings_for_user(user).filter(address=data["new_address"].strip()).first()
        if target is None:
            raise ApplicationError(
                _("在您负责的区域中没有找到这个地址,请核对小区、楼栋、单元和房号。")
            )
        life_events.resident_move_within(
            actor=user, resident=resident, dwelling=target, occurred_on=day
        )
    elif kind == "head_change":
        life_events.household_head_change(actor=user, new_head=resident, occurred_on=day)
    else:
        tag = selectors.tags_for_user(user).get(code=data["tag"])
        service = (
            life_events.resident_tag_add if kind == "tag_add" else life_events.resident_tag_remove
        )
        service(actor=user, resident=resident, tag=tag, occurred_on=day, note=data["note"])


@login_required
def resident_change(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    if kind not in CHANGE_KINDS:
        raise Http404
    resident = selectors.get_resident_for_user(request.user, pk)
    tags = selectors.tags_for_user(request.user)
    if kind == "tag_remove":
        tags = tags.filter(resident_links__resident=resident)
    form = ResidentChangeForm(
        request.POST or None, kind=kind, tags=tags, initial={"occurred_on": timezone.localdate()}
    )
    if request.method == "POST" and form.is_valid():
        try:
            _apply_change(request.user, resident, kind, form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已登记:%(kind)s。") % {"kind": CHANGE_KINDS[kind]})
            return redirect("resident_detail", pk=resident.pk)
    context = {"resident": resident, "form": form, "kind_label": CHANGE_KINDS[kind]}
    status = 400 if form.errors else 200
    return render(request, "people/resident_change.html", context, status=status)


@login_required
def dwelling_add_resident(request: HttpRequest, pk: int, kind: str) -> HttpResponse:
    """Register someone who moved in, or was born, at this dwelling."""
    require(request.user, Action.EDIT_RESIDENTS)
    if kind not in ("move_in", "birth"):
        raise Http404
    dwelling = get_dwelling_for_user(request.user, pk)
    initial = {"occurred_on": timezone.localdate(), "relation": "head"}
    form = NewResidentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            resident = life_events.resident_move_in(
                actor=request.user,
                dwelling=dwelling,
                name=data["name"],
                id_number=data["id_number"],
                occurred_on=data["occurred_on"],
                came_from=data["came_from"],
                phones=(data["phone"],) if data["phone"] else (),
                relation=data["relation"],
                birth=kind == "birth",
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已登记 %(name)s。") % {"name": resident.name})
            return redirect("dwelling_detail", pk=dwelling.pk)
    title = _("登记出生") if kind == "birth" else _("登记迁入")
    status = 400 if form.errors else 200
    context = {"dwelling": dwelling, "form": form, "title": title}
    return render(request, "people/dwelling_add.html", context, status=status)
