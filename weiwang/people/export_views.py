"""Pages of the two-person unmasked export."""

from __future__ import annotations

import tempfile

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, require
from weiwang.core.errors import ApplicationError
from weiwang.people import unmasked_exports as exports
from weiwang.people.forms import ExportRequestForm
from weiwang.people.selectors import tag_names
from weiwang.regions.selectors import get_region_for_user


@login_required
def export_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.REVEAL_SENSITIVE)
    rows = exports.export_requests_for_user(request.user)
    names = tag_names()
    for row in rows:
        row.tag_label = names.get(row.tag, row.tag)
    mine = [r for r in rows if r.requested_by_id == request.user.pk]
    to_decide = [r for r in rows if r.status == "pending" and r.requested_by_id != request.user.pk]
    return render(request, "people/export_list.html", {"mine": mine, "to_decide": to_decide})


@login_required
def export_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.REVEAL_SENSITIVE)
    form = ExportRequestForm(request.POST or None, initial=request.GET.dict())
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        region = get_region_for_user(request.user, data["region"]) if data["region"] else None
        try:
            exports.export_request_create(
                actor=request.user,
                reason=data["reason"],
                query=data["q"],
                tag=data["tag"],
                region=region,
            )
        except ApplicationError as error:
            form.add_error("reason", error.message)
        else:
            messages.success(request, _("申请已提交,请另一位有权限的工作人员审批。"))
            return redirect("export_list")
    status = 400 if form.errors else 200
    tag = form["tag"].value() or ""
    context = {"form": form, "tag_label": tag_names().get(tag, tag)}
    return render(request, "people/export_new.html", context, status=status)


@login_required
@require_POST
def export_decide(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.REVEAL_SENSITIVE)
    export = exports.get_export_request_for_user(request.user, pk)
    approve = request.POST.get("decision") == "approve"
    try:
        exports.export_request_decide(actor=request.user, export=export, approve=approve)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已批准。") if approve else _("已驳回。"))
    return redirect("export_list")


@login_required
@require_POST
def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.REVEAL_SENSITIVE)
    export = exports.get_export_request_for_user(request.user, pk)
    out = tempfile.SpooledTemporaryFile(max_size=8 * 1024 * 1024)  # noqa: SIM115 - FileResponse closes it
    try:
        exports.export_request_download(actor=request.user, export=export, out=out)
    except ApplicationError as error:
        out.close()
        messages.error(request, error.message)
        return redirect("export_list")
    out.seek(0)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = FileResponse(out, as_attachment=True, filename=f"居民名单-完整信息-{stamp}.xlsx")
    response["Cache-Control"] = "no-store"
    return response
