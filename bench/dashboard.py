"""The district dashboard over a city-sized district, and the jobs that keep its figures.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/dashboard.py --cases 1000000
on a database made by `seed_demo --residents 1000000`. Creates the bench cases once (kept,
marked by their title: a year of cases, most resolved and rated, some open and overdue), then:

- the full aggregation (every region, from grouped queries) and the quick refresh of one
  micro-grid marked stale, each timed;
- the district dashboard page (the district admin's, figures, charts data, map data) requested
  `--runs` times: p50/p95 and queries, against a single primary-key fetch timed the same way.
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

import datetime as dt

from case_sweep import COLUMNS
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.urls import reverse
from django.utils import timezone
from resident_search import percentile

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.cases.models import Case, CaseCategory
from weiwang.cases.services import handling_region_id
from weiwang.core import bulk
from weiwang.dashboards.services import aggregate_regions, mark_stale, refresh_stale
from weiwang.regions.models import Region, RegionLevel

TITLE = "bench-dashboard"
STATES = ["archived"] * 60 + ["awaiting_rating"] * 15 + ["resolved"] * 10 + ["handling"] * 15
RATINGS = ["satisfied"] * 8 + ["basic"] * 2 + ["dissatisfied"]


def ensure_cases(count: int) -> None:
    have = Case.objects.filter(title=TITLE).count()
    if have >= count:
        return
    rng = random.Random(9)
    grids = list(Region.objects.filter(level=RegionLevel.MICRO_GRID).values_list("pk", "path"))
    categories = list(CaseCategory.objects.all())
    now = timezone.now()
    ids = bulk.allocate_ids(Case, count - have)
    rows = []
    for pk in ids:
        grid, path = rng.choice(grids)
        category = rng.choice(categories)
        created = now - dt.timedelta(minutes=rng.randrange(365 * 24 * 60))
        deadline = created + dt.timedelta(days=rng.choice([1, 3, 7]))
        state = rng.choice(STATES)
        resolved = state != "handling"
        rating = rng.choice(RATINGS) if state == "archived" else ""
        row = dict(
            zip(
                COLUMNS,
                (
                    pk,
                    f"D{pk}",
                    TITLE,
                    "楼道堆放杂物",
                    category.pk,
                    category.default_limit_id,
                    rng.choice(["worker", "resident", "hotline", "anonymous"]),
                    "",
                    grid,
                    path,
                    "",
                    "",
                    rng.choice(["micro_grid", "grid", "community"]),
                    handling_region_id(path, "micro_grid"),
                    state,
                    "",
                    "",
                    "",
                    "",
                    deadline,
                    False,
                    not resolved and deadline < now,
                    False,
                    rating,
                    "",
                    "",
                    created,
                    created,
                    0,
                ),
                strict=True,
            )
        )
        row["resolved_at"] = (
            created + dt.timedelta(hours=rng.randrange(1, 24 * 8)) if resolved else None
        )
        rows.append(tuple(row.values()))
    print(f"creating {len(rows):,} cases …", flush=True)
    bulk.insert_rows(Case, [*COLUMNS, "resolved_at"], rows)
    bulk.analyze([Case])


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    setup_test_environment()
    ensure_cases(args.cases)
    district = Region.objects.filter(level=RegionLevel.DISTRICT).order_by("pk").first()
    print(
        f"database: {connection.vendor}; residents under {district.name}: "
        f"{district.resident_count:,}; cases: {Case.objects.count():,}; regions: "
        f"{Region.objects.count():,}",
        flush=True,
    )
    started = time.perf_counter()
    rows = aggregate_regions()
    print(f"full aggregation: {time.perf_counter() - started:.1f} s for {rows:,} regions")
    micro = Region.objects.filter(level=RegionLevel.MICRO_GRID).order_by("-pk").first()
    refresh = []
    for _ in range(5):
        mark_stale([micro.path])
        started = time.perf_counter()
        refresh_stale()
        refresh.append(time.perf_counter() - started)
    print(f"refresh of one stale micro-grid: median {statistics.median(refresh) * 1000:.0f} ms")

    admin = (
        RoleAssignment.objects.filter(role=Role.REGION_ADMIN, region=district)
        .select_related("user")
        .first()
    )
    client = Client()
    client.force_login(admin.user)
    url = reverse("dashboard", args=[district.pk])
    response = client.get(url)
    assert response.status_code == 200 and b"data-figure" in response.content, response.status_code
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    page = timed(lambda: client.get(url), args.runs)
    pk = Region.objects.order_by("-pk").values_list("pk", flat=True).first()
    fetch = timed(lambda: Region.objects.get(pk=pk), args.runs)
    p95, base = percentile(page, 0.95), percentile(fetch, 0.95)
    median = statistics.median(page)
    print(
        f"district dashboard: p50 {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms, "
        f"{len(queries)} queries; primary-key fetch p95 {base * 1000:.2f} ms "
        f"(ratio {p95 / base:.0f}×)"
    )


if __name__ == "__main__":
    main()
