from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require
from weiwang.core.errors import ApplicationError
from weiwang.people import selectors, services
from weiwang.people.forms import CHANGE_KINDS, ResidentSearchForm, RevealForm, TagForm
from weiwang.regions.selectors import get_region_for_user


@login_required
def resident_search(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.VIEW_RESIDENTS)
    tags = list(selectors.tags_for_user(request.user))
    form = ResidentSearchForm(request.GET or None, tags=tags)
    page = within = None
    if form.is_valid() or not request.GET:
        data = form.cleaned_data if request.GET else {}
        within = get_region_for_user(request.user, data["region"]) if data.get("region") else None
        page = selectors.search_residents(
            request.user,
            query=data.get("q", ""),
            tag=data.get("tag", ""),
            within=within,
            after=data.get("after"),
        )
    next_query = None
    if page and page.next_cursor:
        params = request.GET.copy()
        params["after"] = str(page.next_cursor)
        next_query = params.urlencode()
    first_query = None
    if request.GET.get("after"):
        params = request.GET.copy()
        params.pop("after")
        first_query = params.urlencode()
    export_query = request.GET.copy()
    export_query.pop("after", None)
    return render(
        request,
        "people/resident_search.html",
        {
            "form": form,
            "page": page,
            "within": within,
            "can_export": can(request.user, Action.EXPORT_RESIDENTS),
            "can_reveal": can(request.user, Action.REVEAL_SENSITIVE),
            "export_query": export_query.urlencode(),
            "next_query": next_query,
            "first_query": first_query,
        },
    )


def _detail(request: HttpRequest, pk: int, *, status: int = 200, **extra: object) -> HttpResponse:
    resident = selectors.get_resident_for_user(request.user, pk)
    context = {
        "resident": resident,
        "history": selectors.resident_history(resident),
        "can_edit": can(request.user, Action.EDIT_RESIDENTS),
        "change_kinds": CHANGE_KINDS,
        "can_reveal": can(request.user, Action.REVEAL_SENSITIVE),
        "reveal_form": RevealForm(),
        **extra,
    }
    return render(request, "people/resident_detail.html", context, status=status)


@login_required
def resident_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _detail(request, pk)


@login_required
@require_POST
def resident_reveal(request: HttpRequest, pk: int) -> HttpResponse:
    resident = selectors.get_resident_for_user(request.user, pk)
    if not can(request.user, Action.REVEAL_SENSITIVE):
        raise Http404
    form = RevealForm(request.POST)
    if not form.is_valid():
        return _detail(request, pk, reveal_form=form, status=400)
    try:
        revealed = services.resident_reveal(
            actor=request.user, resident=resident, reason=form.cleaned_data["reason"]
        )
    except ApplicationError as error:
        form.add_error("reason", error.message)
        return _detail(request, pk, reveal_form=form, status=400)
    response = _detail(request, pk, revealed=revealed, reveal_form=form)
    response["Cache-Control"] = "no-store"
    return response


@login_required
def my_household(request: HttpRequest) -> HttpResponse:
    """A resident's own household: the one place a resident sees people records."""
    resident = request.user.resident
    if resident is None:
        raise Http404
    return redirect("dwelling_detail", pk=resident.household.dwelling_id)


@login_required
def tag_list(request: HttpRequest) -> HttpResponse:
    """The city-wide list of special-population tags, with a form to add one."""
    require(request.user, Action.MANAGE_TAGS)
    form = TagForm(request.POST or None, initial={"active": True})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tag_create(
                actor=request.user,
                code=data["code"],
                name=data["name"],
                purpose=data["purpose"],
                sensitive=data["sensitive"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已添加标签“%(name)s”。") % {"name": data["name"]})
            return redirect("tag_list")
    tags = selectors.tags_with_usage()
    status = 400 if form.errors else 200
    return render(request, "people/tag_list.html", {"tags": tags, "form": form}, status=status)


@login_required
def tag_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_TAGS)
    tag = get_or_404(selectors.tags_with_usage(), pk)
    initial = {f: getattr(tag, f) for f in ("code", "name", "purpose", "sensitive", "active")}
    form = TagForm(request.POST or None, initial=initial)
    form.fields["code"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.tag_update(
                actor=request.user,
                tag=tag,
                name=data["name"],
                purpose=data["purpose"],
                sensitive=data["sensitive"],
                active=data["active"],
            )
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已保存标签“%(name)s”。") % {"name": data["name"]})
            return redirect("tag_list")
    status = 400 if form.errors else 200
    return render(request, "people/tag_edit.html", {"tag": tag, "form": form}, status=status)


@login_required
def resident_export(request: HttpRequest) -> HttpResponse:
    """The current search (words, tag, region) as a masked .xlsx sheet."""
    require(request.user, Action.EXPORT_RESIDENTS)
    form = ResidentSearchForm(request.GET, tags=selectors.tags_for_user(request.user))
    if not form.is_valid():
        messages.error(request, _("导出条件不正确,请重新查询后再导出。"))
        return redirect("resident_search")
    data = form.cleaned_data
    within = get_region_for_user(request.user, data["region"]) if data.get("region") else None
    residents = selectors.filtered_residents(
        request.user, query=data["q"], tag=data["tag"], within=within
    )
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    services.residents_export(
        actor=request.user,
        residents=residents,
        out=out,
        description=f"q={data['q']}&tag={data['tag']}&region={data.get('region') or ''}",
    )
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return FileResponse(out, as_attachment=True, filename=f"居民名单-{stamp}.xlsx")
