"""Pages of the resident import: upload, column mapping, check, import, progress, report."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, get_or_404, require
from weiwang.core.errors import ApplicationError
from weiwang.people import import_jobs as jobs
from weiwang.people.forms import ColumnMappingForm, ImportUploadForm
from weiwang.regions.models import RegionLevel
from weiwang.regions.selectors import regions_for_user


def _communities(user):
    return regions_for_user(user).filter(level=RegionLevel.COMMUNITY).order_by("name")


@login_required
def import_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    communities = list(_communities(request.user))
    form = ImportUploadForm(request.POST or None, request.FILES or None, communities=communities)
    if request.method == "POST" and form.is_valid():
        community = get_or_404(_communities(request.user), form.cleaned_data["community"])
        try:
            job = jobs.import_job_create(
                actor=request.user, community=community, upload=form.cleaned_data["file"]
            )
        except ApplicationError as error:
            form.add_error("file", error.message)
        else:
            return redirect("import_detail", pk=job.pk)
    recent = jobs.import_jobs_for_user(request.user)[:20]
    context = {"form": form, "recent": recent, "has_communities": bool(communities)}
    return render(request, "people/import_new.html", context, status=400 if form.errors else 200)


@login_required
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    job = get_or_404(jobs.import_jobs_for_user(request.user), pk)
    form = ColumnMappingForm(request.POST or None, header=job.header, columns=job.columns)
    if request.method == "POST" and form.is_valid():
        try:
            jobs.import_job_set_columns(job=job, columns=form.cleaned_data)
        except ApplicationError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("已保存列的对应关系,请重新检查文件。"))
            return redirect("import_detail", pk=job.pk)
    context = {
        "job": job,
        "form": form,
        "progress": jobs.progress_of(job),
        "report_available": jobs.report_available(job),
    }
    return render(request, "people/import_detail.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def import_start(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    job = get_or_404(jobs.import_jobs_for_user(request.user), pk)
    try:
        jobs.import_job_start(
            actor=request.user,
            job=job,
            dry_run=request.POST.get("mode") != "import",
            skip_invalid=request.POST.get("skip_invalid") == "on",
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    return redirect("import_detail", pk=job.pk)


@login_required
def import_status(request: HttpRequest, pk: int) -> JsonResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    job = get_or_404(jobs.import_jobs_for_user(request.user), pk)
    return JsonResponse(jobs.progress_of(job))


@login_required
def import_report(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.EDIT_RESIDENTS)
    job = get_or_404(jobs.import_jobs_for_user(request.user), pk)
    path = jobs.report_path(job)
    if not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), as_attachment=True, filename=f"导入结果-{job.pk}.xlsx")
