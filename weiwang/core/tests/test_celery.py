"""Background tasks on a real Celery worker with a real Redis, as in production."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import redis
from django.conf import settings as django_settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection

from weiwang.conftest import valid_id
from weiwang.people.import_jobs import import_job_create, import_job_start, progress_of
from weiwang.people.models import ImportJob, ImportStatus, Resident

pytestmark = pytest.mark.django_db(transaction=True)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def redis_url(tmp_path):
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        pytest.fail("These tests need redis-server: run 'sudo apt-get install redis-server'.")
    port = _free_port()
    server = subprocess.Popen(  # noqa: S603 (a fixed binary with our own arguments)
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    client = redis.Redis.from_url(url)
    for _ in range(100):
        try:
            client.ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    server.terminate()
    server.wait(10)


def _database_url() -> str:
    """The test database, for the worker process."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def celery_worker(redis_url, settings, tmp_path):
    settings.TASKS_EAGER = False
    settings.CELERY_BROKER_URL = redis_url
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": redis_url}
    }
    from weiwang.celery import app

    app.conf.broker_url = redis_url
    env = {
        **os.environ,
        "DATABASE_URL": _database_url(),
        "WEIWANG_REDIS_URL": redis_url,
        "WEIWANG_IMPORT_DIR": str(settings.IMPORT_DIR),
        "WEIWANG_TASKS_EAGER": "false",
    }
    command = [sys.executable, "-m", "celery", "-A", "weiwang.celery", "worker", "--pool=solo"]
    command += ["--loglevel=WARNING", "--without-gossip", "--without-mingle", "--without-heartbeat"]
    worker = subprocess.Popen(  # noqa: S603 (this interpreter running Celery)
        command,
        cwd=django_settings.BASE_DIR,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=open(tmp_path / "worker.log", "w"),  # noqa: SIM115 (closed with the process)
    )
    yield worker
    worker.terminate()
    worker.wait(20)
    app.conf.broker_url = None


def _wait_for(job: ImportJob, status: str, worker: subprocess.Popen, log: Path) -> ImportJob:
    for _ in range(600):
        job.refresh_from_db()
        if job.status == status:
            return job
        assert worker.poll() is None, log.read_text()
        time.sleep(0.1)
    raise AssertionError(f"job still {job.status}: {log.read_text()}")


def test_an_import_runs_on_a_celery_worker(world, celery_worker, tmp_path):
    user = world.users["community_worker"]
    rows = [
        "姓名,身份证号,住址",
        f"工人甲,{valid_id('19700101', 541)},红星小区3栋1单元801",
        f"工人乙,{valid_id('19710101', 542)},红星小区3栋1单元801",
    ]
    upload = SimpleUploadedFile("名册.csv", "\n".join(rows).encode())
    job = import_job_create(actor=user, community=world.regions["C"], upload=upload)
    log = tmp_path / "worker.log"

    import_job_start(actor=user, job=job, dry_run=True)
    job = _wait_for(job, ImportStatus.CHECKED, celery_worker, log)
    assert job.counts == {"ready": 2}
    assert not Resident.objects.filter(name__startswith="工人").exists()

    import_job_start(actor=user, job=job, dry_run=False)
    job = _wait_for(job, ImportStatus.DONE, celery_worker, log)
    assert job.counts == {"created": 2}
    assert Resident.objects.filter(name__startswith="工人").count() == 2
    assert progress_of(job)["running"] is False  # the shared cache is clear again
