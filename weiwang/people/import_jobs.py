"""Import jobs: an uploaded sheet, its column mapping, a check (dry run) and the import, run in
the background with progress that survives a page reload."""

from __future__ import annotations

import datetime as dt
import time
import uuid
from pathlib import Path

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import QuerySet
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import Action, scope_q
from weiwang.accounts.models import User
from weiwang.core.errors import ApplicationError
from weiwang.core.tasks import background_task, run_in_background
from weiwang.people.importing import (
    SYNONYMS,
    UnreadableFile,
    check_sheet,
    read_sheet,
    write_error_report,
    write_sheet,
)
from weiwang.people.models import ImportJob, ImportStatus
from weiwang.regions.models import Region

SHOWN_ERRORS = 50
ALLOWED_SUFFIXES = {".xlsx", ".xls", ".csv"}


def import_jobs_for_user(user) -> QuerySet[ImportJob]:
    return ImportJob.objects.filter(
        scope_q(user, Action.EDIT_RESIDENTS, path="community__path", building="", household="")
    ).select_related("community", "uploaded_by")


def _path(job: ImportJob, suffix: str = "") -> Path:
    return Path(settings.IMPORT_DIR) / f"{job.stored_as}{suffix}"


def report_path(job: ImportJob) -> Path:
    return _path(job, ".report.xlsx")


@transaction.atomic
def import_job_create(*, actor, community: Region, upload) -> ImportJob:
    """Keep the uploaded file and detect its header; `community` came through the access layer."""
    suffix = Path(upload.name).suffix.lower()
    if suffix not in ALLOWED_SUFFIXES:
        raise ApplicationError(_("只支持 .xlsx、.xls 和 .csv 文件。"), code="file_type")
    import_files_purge()  # a good moment to clear what earlier uploads left behind
    stored_as = f"{uuid.uuid4().hex}{suffix}"
    target = Path(settings.IMPORT_DIR) / stored_as
    target.parent.mkdir(parents=True, exist_ok=True)
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    try:
        sheet = read_sheet(target, require_identity=False)
    except UnreadableFile as error:
        target.unlink(missing_ok=True)
        raise ApplicationError(str(error), code="unreadable") from None
    return ImportJob.objects.create(
        community=community,
        uploaded_by=actor,
        file_name=upload.name[:200],
        stored_as=stored_as,
        header=sheet.header,
        columns=sheet.columns,
    )


def import_job_set_columns(*, job: ImportJob, columns: dict[str, int | None]) -> ImportJob:
    """Staff correct how columns were understood; name and ID number cannot be left out."""
    chosen = {name: index for name, index in columns.items() if index is not None}
    if "name" not in chosen or "id_number" not in chosen:
        raise ApplicationError(_("“姓名”和“身份证号”两列必须指定。"), code="columns")
    if len(set(chosen.values())) != len(chosen):
        raise ApplicationError(_("同一列不能对应两个字段。"), code="columns")
    if any(not 0 <= i < len(job.header) for i in chosen.values()) or set(chosen) - set(SYNONYMS):
        raise ApplicationError(_("列的选择不正确,请重新选择。"), code="columns")
    job.columns = chosen
    job.status = ImportStatus.UPLOADED
    job.save(update_fields=["columns", "status"])
    return job


def _progress_key(job_id: int) -> str:
    return f"import-progress:{job_id}"


def progress_of(job: ImportJob) -> dict[str, object]:
    running = cache.get(_progress_key(job.pk))
    return {
        "status": job.status,
        "running": bool(running),
        **(running or {"phase": "", "done": 0, "total": 0}),
        "counts": job.counts,
    }


STALE_AFTER = 300  # seconds without progress after which a job counts as abandoned


def import_files_purge() -> int:
    """Delete uploads and result sheets not used for IMPORT_FILE_HOURS; an upload that was
    never imported leaves its job expired. Returns how many jobs lost files."""
    cutoff = timezone.now() - dt.timedelta(hours=settings.IMPORT_FILE_HOURS)
    stale = ImportJob.objects.annotate(last_used=Coalesce("finished_at", "created_at")).filter(
        last_used__lt=cutoff
    )
    purged = 0
    for job in stale.exclude(status=ImportStatus.EXPIRED).iterator():
        files = [_path(job), report_path(job)]
        if not any(f.exists() for f in files) and job.status == ImportStatus.DONE:
            continue
        for file in files:
            file.unlink(missing_ok=True)
        if job.status != ImportStatus.DONE:
            job.status = ImportStatus.EXPIRED
            job.save(update_fields=["status"])
        purged += 1
    return purged


def report_available(job: ImportJob) -> bool:
    return report_path(job).exists()


def import_job_start(*, actor, job: ImportJob, dry_run: bool, skip_invalid: bool = False) -> None:
    if job.status == ImportStatus.DONE:
        raise ApplicationError(_("这个文件已经导入完成。"), code="done")
    if job.status == ImportStatus.EXPIRED:
        raise ApplicationError(
            _("上传超过 %(hours)d 小时没有导入,文件已删除,请重新上传。")
            % {"hours": settings.IMPORT_FILE_HOURS},
            code="expired",
        )
    if not dry_run and job.status != ImportStatus.CHECKED:
        raise ApplicationError(_("请先检查文件,看过结果后再导入。"), code="not_checked")
    key = _progress_key(job.pk)
    starting = {"phase": "start", "done": 0, "total": 0, "at": time.time()}
    # add() is atomic: a second click while the job runs does nothing. A job whose process
    # died (no progress for minutes) may be started again; the import itself is guarded by a
    # lock on the job (see _run), so two runs never write twice.
    if not cache.add(key, starting, 3600):
        running = cache.get(key) or {}
        if time.time() - running.get("at", 0) < STALE_AFTER:
            raise ApplicationError(_("这个文件正在处理中,请稍候。"), code="running")
        cache.set(key, starting, 3600)
    run_in_background(_run, job.pk, actor.pk, dry_run, skip_invalid)


@background_task
def _run(job_id: int, actor_id: int, dry_run: bool, skip_invalid: bool) -> None:
    """Check, and unless it is a dry run, import. Safe to run twice (a worker that died is
    replaced and its task runs again): the rows and the job's new status commit together, under
    a lock on the job, and a finished job is left alone."""
    job = ImportJob.objects.select_related("community").get(pk=job_id)
    key = _progress_key(job_id)

    def progress(phase: str, done: int, total: int) -> None:
        cache.set(key, {"phase": phase, "done": done, "total": total, "at": time.time()}, 3600)

    try:
        if job.status == ImportStatus.DONE:
            return
        sheet = read_sheet(_path(job), {k: int(v) for k, v in job.columns.items()})
        report = check_sheet(sheet=sheet, community=job.community, on_progress=progress)
        if report.writable(dry_run=dry_run, skip_invalid=skip_invalid):
            with transaction.atomic():
                job = ImportJob.objects.select_for_update().get(pk=job_id)
                if job.status == ImportStatus.DONE:
                    return  # another run finished it while this one was checking
                write_sheet(
                    actor=User.objects.get(pk=actor_id), report=report, on_progress=progress
                )
                _finish(job, report)
            # The residents are now in the database, encrypted; the plain upload must not stay.
            _path(job).unlink(missing_ok=True)
        else:
            _finish(job, report)
    except (UnreadableFile, ApplicationError) as error:
        job.status, job.message = ImportStatus.FAILED, str(error)
        job.finished_at = timezone.now()
        job.save(update_fields=["status", "message", "finished_at"])
    except Exception:
        ImportJob.objects.filter(pk=job_id).update(
            status=ImportStatus.FAILED,
            message=_("处理时出现意外错误,没有写入任何数据。请重试,仍不行请联系管理员。"),
            finished_at=timezone.now(),
        )
        raise
    finally:
        cache.delete(key)


def _finish(job: ImportJob, report) -> None:
    with report_path(job).open("wb") as out:
        write_error_report(out, report)
    job.counts = report.counts
    job.errors = [
        {"line": row.line, "reasons": row.errors} for row in report.refused[:SHOWN_ERRORS]
    ]
    job.status = ImportStatus.DONE if report.committed else ImportStatus.CHECKED
    job.message = ""
    job.finished_at = timezone.now()
    job.save(update_fields=["counts", "errors", "status", "message", "finished_at"])
