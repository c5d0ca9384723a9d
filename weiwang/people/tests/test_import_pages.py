from __future__ import annotations

import contextlib

from django.core.files.uploadedfile import SimpleUploadedFile

from weiwang.conftest import valid_id
from weiwang.people.models import ImportJob, Resident

A = valid_id("19500101", 601)


def _upload(client, world, content: str, name: str = "花名册.csv"):
    upload = SimpleUploadedFile(name, content.encode("utf-8"))
    return client.post("/imports/", {"community": world.regions["C"].pk, "file": upload})


SHEET = (
    "兴乐社区花名册\n\n"
    "姓名,证件,联系电话,住址\n"
    f"导入甲,{A},13900004444,红星小区3栋1单元601\n"
    "错号,510121196503031235,,红星小区3栋1单元602\n"
)


def test_upload_map_check_and_import(world):
    client = world.client("community_worker")
    response = _upload(client, world, SHEET)
    job = ImportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{job.pk}/"
    assert "id_number" not in job.columns  # "证件" is no header we know
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "修正列的对应关系" in page and "2. 证件" in page

    # Staff point 身份证号 at the second column.
    columns = {"name": "0", "id_number": "1", "phone": "2", "address": "3"}
    assert client.post(f"/imports/{job.pk}/", columns).status_code == 302
    client.post(f"/imports/{job.pk}/start/", {"mode": "check"})
    job.refresh_from_db()
    assert job.status == "checked" and job.counts == {"ready": 1, "refused": 1}
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "第 5 行" in page and "校验位不正确" in page
    assert not Resident.objects.filter(name="导入甲").exists()

    client.post(f"/imports/{job.pk}/start/", {"mode": "import", "skip_invalid": "on"})
    job.refresh_from_db()
    assert job.status == "done" and job.counts["created"] == 1
    from django.conf import settings

    assert not (settings.IMPORT_DIR / job.stored_as).exists()  # the plain upload is gone
    assert Resident.objects.get(name="导入甲").household.dwelling.address == "红星小区3栋1单元601"
    report = client.get(f"/imports/{job.pk}/report.xlsx")
    assert report.status_code == 200
    assert client.get(f"/imports/{job.pk}/status.json").json()["status"] == "done"


def test_importing_before_checking_is_refused(world):
    client = world.client("community_worker")
    _upload(client, world, SHEET.replace("证件", "身份证号"))
    job = ImportJob.objects.get()
    page = client.post(f"/imports/{job.pk}/start/", {"mode": "import"}, follow=True)
    assert "请先检查文件" in page.content.decode()
    assert not Resident.objects.filter(name="导入甲").exists()


def test_all_or_nothing_by_default(world):
    client = world.client("community_worker")
    _upload(client, world, SHEET.replace("证件", "身份证号"))
    job = ImportJob.objects.get()
    client.post(f"/imports/{job.pk}/start/", {"mode": "check"})
    client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    job.refresh_from_db()
    assert job.status == "checked" and not Resident.objects.filter(name="导入甲").exists()


def test_files_that_are_not_sheets_are_refused_with_a_reason(world):
    client = world.client("community_worker")
    response = _upload(client, world, "hello", name="notes.txt")
    assert response.status_code == 400 and "只支持 .xlsx、.xls 和 .csv" in response.content.decode()
    response = _upload(client, world, "甲,乙\n1,2\n")
    assert response.status_code == 400 and "没有找到表头" in response.content.decode()
    assert not ImportJob.objects.exists()


def test_a_mapping_without_name_or_id_is_refused(world):
    client = world.client("community_worker")
    _upload(client, world, SHEET)
    job = ImportJob.objects.get()
    response = client.post(f"/imports/{job.pk}/", {"name": "0", "address": "3"})
    assert response.status_code == 400 and "必须指定" in response.content.decode()


def test_an_interrupted_import_leaves_nothing_and_can_be_run_again(world, monkeypatch):
    from weiwang.people import importing

    client = world.client("community_worker")
    two = SHEET.replace("证件", "身份证号").replace(
        "错号,510121196503031235", f"导入乙,{valid_id('19510101', 602)}"
    )
    _upload(client, world, two)
    job = ImportJob.objects.get()
    client.post(f"/imports/{job.pk}/start/", {"mode": "check"})
    original = importing.writing._Writer.write
    calls = {"n": 0}

    def dies_on_second_row(self, row):
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt  # the process is stopped mid-import
        return original(self, row)

    monkeypatch.setattr(importing.writing._Writer, "write", dies_on_second_row)
    with contextlib.suppress(KeyboardInterrupt):
        client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    assert not Resident.objects.filter(name__startswith="导入").exists()
    monkeypatch.setattr(importing.writing._Writer, "write", original)
    client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    assert Resident.objects.filter(name__startswith="导入").count() == 2


def _checked_job(world, client):
    two = SHEET.replace("证件", "身份证号").replace(
        "错号,510121196503031235", f"导入乙,{valid_id('19510101', 602)}"
    )
    _upload(client, world, two)
    job = ImportJob.objects.get()
    client.post(f"/imports/{job.pk}/start/", {"mode": "check"})
    return job


def test_a_second_delivery_of_a_finished_import_changes_nothing(world):
    """A Celery worker may die after the commit; its task then runs again."""
    from weiwang.audit.models import AuditEntry
    from weiwang.people.import_jobs import _run

    client = world.client("community_worker")
    job = _checked_job(world, client)
    client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    job.refresh_from_db()
    assert job.status == "done" and job.counts == {"created": 2}
    entries = AuditEntry.objects.count()
    _run(job.pk, world.users["community_worker"].pk, False, False)
    job.refresh_from_db()
    assert job.status == "done" and job.counts == {"created": 2}
    assert Resident.objects.filter(name__startswith="导入").count() == 2
    assert AuditEntry.objects.count() == entries


def test_a_job_whose_process_died_can_be_started_again(world):
    import time

    from django.core.cache import cache

    from weiwang.people.import_jobs import STALE_AFTER, _progress_key

    client = world.client("community_worker")
    job = _checked_job(world, client)
    key = _progress_key(job.pk)
    cache.set(key, {"phase": "import", "done": 1, "total": 2, "at": time.time()})
    response = client.post(f"/imports/{job.pk}/start/", {"mode": "import"}, follow=True)
    assert "正在处理中" in response.content.decode()
    assert not Resident.objects.filter(name__startswith="导入").exists()
    cache.set(key, {"phase": "import", "done": 1, "total": 2, "at": time.time() - STALE_AFTER})
    client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    assert Resident.objects.filter(name__startswith="导入").count() == 2


def test_uploads_never_imported_are_deleted_after_a_day(world, settings):
    import datetime as dt
    import io

    import time_machine
    from django.core.management import call_command

    from weiwang.people.import_jobs import _path, report_path

    client = world.client("community_worker")
    job = _checked_job(world, client)
    assert _path(job).exists() and report_path(job).exists()
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=settings.IMPORT_FILE_HOURS + 1)
    with time_machine.travel(later):
        out = io.StringIO()
        call_command("purge_imports", stdout=out)
        assert "1 import" in out.getvalue()
        job.refresh_from_db()
        assert job.status == "expired"
        assert not _path(job).exists() and not report_path(job).exists()
    page = client.get(f"/imports/{job.pk}/").content.decode()
    assert "重新上传" in page and "下载结果表" not in page
    response = client.post(f"/imports/{job.pk}/start/", {"mode": "import"}, follow=True)
    assert "文件已删除" in response.content.decode()


def test_a_done_imports_result_sheet_is_deleted_after_a_day(world, settings):
    import datetime as dt

    import time_machine

    from weiwang.people.import_jobs import import_files_purge, report_path

    client = world.client("community_worker")
    job = _checked_job(world, client)
    client.post(f"/imports/{job.pk}/start/", {"mode": "import"})
    job.refresh_from_db()
    assert job.status == "done" and report_path(job).exists()
    assert import_files_purge() == 0  # fresh: kept
    later = dt.datetime.now(tz=dt.UTC) + dt.timedelta(hours=settings.IMPORT_FILE_HOURS + 1)
    with time_machine.travel(later):
        assert import_files_purge() == 1
        assert import_files_purge() == 0  # nothing left to delete the second time
    job.refresh_from_db()
    assert job.status == "done" and not report_path(job).exists()
