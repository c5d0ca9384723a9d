"""The overdue sweep over a district's open cases, against a bare indexed count of the same
rows in the same run.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/case_sweep.py --cases 1000000 --due 10000
on a database with regions (`seed_demo --residents N`). Creates the bench cases once (they are
kept, marked by their title), then for each run: makes `--due` of them overdue, times
`count()` of the due rows through the sweep's index, and times `cases_sweep`.
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

import datetime as dt

from django.db import connection
from django.utils import timezone

from weiwang.cases.models import OPEN_STATES, Case, CaseCategory, CaseEvent
from weiwang.cases.services import cases_sweep, handling_region_id
from weiwang.core import bulk
from weiwang.notices.models import Notification
from weiwang.regions.models import Region, RegionLevel

TITLE = "bench-sweep"
COLUMNS = [
    "id",
    "number",
    "title",
    "description",
    "category_id",
    "limit_id",
    "source",
    "external_number",
    "micro_grid_id",
    "region_path",
    "place",
    "people_involved",
    "tier",
    "handling_region_id",
    "state",
    "reporter_name",
    "reporter_phone_encrypted",
    "reporter_phone_masked",
    "retrieval_code_hash",
    "deadline",
    "deadline_unconfirmed",
    "overdue",
    "supervised",
    "rating",
    "rating_comment",
    "open311_token",
    "created_at",
    "updated_at",
    "version",
]


def ensure_cases(count: int) -> None:
    have = Case.objects.filter(title=TITLE).count()
    if have >= count:
        return
    rng = random.Random(5)
    grids = list(Region.objects.filter(level=RegionLevel.MICRO_GRID).values_list("pk", "path"))
    categories = list(CaseCategory.objects.filter(auto_escalate=False))
    far = timezone.now() + dt.timedelta(days=3650)
    now = timezone.now()
    ids = bulk.allocate_ids(Case, count - have)
    rows = []
    for pk in ids:
        grid, path = rng.choice(grids)
        category = rng.choice(categories)
        rows.append(
            (
                pk,
                f"B{pk}",
                TITLE,
                "楼道堆放杂物",
                category.pk,
                category.default_limit_id,
                "worker",
                "",
                grid,
                path,
                "",
                "",
                "micro_grid",
                handling_region_id(path, "micro_grid"),
                rng.choice(OPEN_STATES),
                "",
                "",
                "",
                "",
                far,
                False,
                False,
                False,
                "",
                "",
                "",
                now,
                now,
                0,
            )
        )
    print(f"creating {len(rows):,} open cases …")
    bulk.insert_rows(Case, COLUMNS, rows)
    bulk.analyze([Case])


def make_due(due: int) -> dt.datetime:
    """Every bench case open and not yet overdue; `due` of them spread evenly past deadline."""
    now = timezone.now()
    bench = Case.objects.filter(title=TITLE)
    bench.update(overdue=False, deadline=now + dt.timedelta(days=3650))
    total = bench.count()
    step = max(1, total // max(due, 1))
    ids = list(bench.order_by("id").values_list("id", flat=True)[::step][:due])
    for start in range(0, len(ids), 10_000):
        Case.objects.filter(pk__in=ids[start : start + 10_000]).update(
            deadline=now - dt.timedelta(hours=1)
        )
    CaseEvent.objects.filter(case__title=TITLE).delete()
    Notification.objects.filter(title__contains=TITLE).delete()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"VACUUM ANALYZE {Case._meta.db_table}")
    return now


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    ensure_cases(args.cases)
    open_total = Case.objects.filter(state__in=OPEN_STATES).count()
    print(f"database: {connection.vendor}; open cases: {open_total:,}")
    for due in (0, args.due):
        now = make_due(due)
        rows = Case.objects.filter(state__in=OPEN_STATES, overdue=False, deadline__lt=now)
        started = time.perf_counter()
        counted = rows.count()
        count_time = time.perf_counter() - started
        plan = rows.explain() if connection.vendor == "postgresql" else ""
        started = time.perf_counter()
        result = cases_sweep(now=now)
        sweep_time = time.perf_counter() - started
        assert result["overdue"] == counted, (result, counted)
        uses_index = "case_open_deadline_idx" in plan
        per_case = f"{sweep_time / counted * 1e6:.0f} µs per overdue case; " if counted else ""
        print(
            f"due {counted:>7,}: bare indexed count {count_time * 1000:8.1f} ms, "
            f"sweep {sweep_time * 1000:9.1f} ms  (ratio {sweep_time / count_time:7.1f}×; "
            f"{per_case}partial index used: {uses_index})"
        )


if __name__ == "__main__":
    main()
