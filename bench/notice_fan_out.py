"""Queueing a notice's in-app deliveries (one inbox row per person reached) over a whole area,
against a bare bulk insert (COPY) of the same rows in the same run.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/notice_fan_out.py [--runs 3]
on a database seeded with `seed_demo --residents 1000000`. Gives every resident an account the
first time (marked by the username prefix, kept), then for each run, inside a transaction that
is rolled back: the notice's fan-out (`inbox_insert`, one INSERT … SELECT resolving the
audience) and a COPY of the same rows built in Python beforehand.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

from django.db import connection, transaction
from django.utils import timezone

from weiwang.accounts.models import User
from weiwang.core import bulk
from weiwang.notices.models import Notice, NoticeStatus, Notification
from weiwang.notices.notice_services import audience_users, inbox_insert
from weiwang.people.models import Resident
from weiwang.regions.models import Region

PREFIX = "bench-r"


class Rollback(Exception):
    pass


def ensure_accounts() -> None:
    have = User.objects.filter(username__startswith=PREFIX).count()
    missing = Resident.objects.filter(status="current", user__isnull=True)
    if have and not missing.exists():
        return
    now = timezone.now()
    columns = [
        "id",
        "password",
        "last_login",
        "is_superuser",
        "username",
        "first_name",
        "last_name",
        "email",
        "is_staff",
        "is_active",
        "date_joined",
        "display_name",
        "resident_id",
    ]
    pks = list(missing.values_list("pk", flat=True))
    ids = bulk.allocate_ids(User, len(pks))
    rows = (
        (uid, "!", None, False, f"{PREFIX}{pk}", "", "", "", False, True, now, "", pk)
        for uid, pk in zip(ids, pks, strict=True)
    )
    print(f"creating {len(pks):,} resident accounts …")
    bulk.insert_rows(User, columns, rows)
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM ANALYZE {User._meta.db_table}")


def run_once(region: Region, actor: User) -> tuple[float, float, int]:
    try:
        with transaction.atomic():
            notice = Notice.objects.create(
                title="停水通知",
                body="<p>明天停水</p>",
                created_by=actor,
                status=NoticeStatus.PUBLISHED,
            )
            notice.regions.set([region])
            baseline_notice = Notice.objects.create(
                title="基线", body="<p>x</p>", created_by=actor, status=NoticeStatus.PUBLISHED
            )
            users = list(
                audience_users(notice).values_list("pk", flat=True).iterator(chunk_size=50_000)
            )
            now = timezone.now()
            rows = ((u, "停水通知", "/notices/0/", now, baseline_notice.pk) for u in users)
            started = time.perf_counter()
            bulk.insert_rows(
                Notification, ["user_id", "title", "url", "created_at", "notice_id"], rows
            )
            baseline = time.perf_counter() - started
            started = time.perf_counter()
            count = inbox_insert(notice)
            fan_out = time.perf_counter() - started
            raise Rollback
    except Rollback:
        pass
    return baseline, fan_out, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    ensure_accounts()
    region = Region.objects.filter(level="district").order_by("pk").first()
    actor = User.objects.exclude(username__startswith=PREFIX).order_by("pk").first()
    print(f"{connection.vendor}: a notice to {region.name}")
    for run in range(1, args.runs + 1):
        baseline, fan_out, count = run_once(region, actor)
        print(
            f"run {run}: {count:,} inbox rows; fan-out {fan_out:.2f} s ({count / fan_out:,.0f}/s); "
            f"bare COPY of the same rows {baseline:.2f} s; ratio {fan_out / baseline:.2f}×"
        )


if __name__ == "__main__":
    main()
