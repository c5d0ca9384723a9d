"""Creating a survey campaign over a whole area (one task per household, assigned to its
micro-grid's worker), against a bare bulk insert of the same task rows in the same run.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/campaign_create.py [--runs 3]
on a database seeded with `seed_demo --residents 1000000`. The campaign goes over the street
with the most residents (--level district: over everything). Each run happens inside a
transaction that is rolled back, so the database is left as it was.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

from django.db import connection, transaction
from django.db.models import Count
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment, User
from weiwang.core import bulk
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Region
from weiwang.surveys.models import Campaign, SurveyTask
from weiwang.surveys.services import campaign_create, form_create, question_add


class Rollback(Exception):
    pass


def biggest(level: str) -> Region:
    depth = {"district": 1, "street": 2}[level]
    counts = {}
    for path, n in (
        Resident.objects.filter(status="current")
        .values("region_path")
        .annotate(n=Count("pk"))
        .values_list("region_path", "n")
        .iterator()
    ):
        top = "/" + "/".join(path.strip("/").split("/")[:depth]) + "/"
        counts[top] = counts.get(top, 0) + n
    path = max(counts, key=counts.get)
    region = Region.objects.get(path=path)
    region.bench_residents = counts[path]
    return region


def task_rows(region: Region, campaign_id: int) -> list[tuple]:
    """The rows campaign_create writes, built in Python beforehand (not timed)."""
    workers = {}
    for region_id, user_id in (
        RoleAssignment.objects.filter(role=Role.MICRO_GRID_WORKER)
        .order_by("-pk")
        .values_list("region_id", "user_id")
    ):
        workers[region_id] = user_id  # the lowest pk wins, as in campaign_create
    households = Household.objects.filter(region_path__startswith=region.path).values_list(
        "pk", "micro_grid_id", "region_path"
    )
    return [
        (campaign_id, pk, micro, path, workers.get(micro), "")
        for pk, micro, path in households.iterator(chunk_size=20_000)
    ]


def run_once(region: Region, actor: User) -> tuple[float, float, int]:
    try:
        with transaction.atomic():
            form = form_create(actor=actor, title="bench")
            question_add(actor=actor, form=form, kind="yes_no", label="在家吗")
            deadline = timezone.now() + dt.timedelta(hours=3)
            holder = Campaign.objects.create(
                form=form,
                title="baseline",
                region=region,
                region_path=region.path,
                deadline=deadline,
                created_by=actor,
            )
            rows = task_rows(region, holder.pk)
            started = time.perf_counter()
            columns = [
                "campaign_id",
                "household_id",
                "micro_grid_id",
                "region_path",
                "assignee_id",
                "source",
            ]
            bulk.insert_rows(SurveyTask, columns, rows)
            baseline = time.perf_counter() - started
            started = time.perf_counter()
            campaign = campaign_create(
                actor=actor, form=form, region=region, title="bench", deadline=deadline
            )
            created = time.perf_counter() - started
            count = campaign.task_count
            raise Rollback
    except Rollback:
        pass
    return baseline, created, count


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--level", choices=["street", "district"], default="street")
    args = parser.parse_args()
    region = biggest(args.level)
    actor = User.objects.filter(is_active=True).order_by("pk").first()
    print(
        f"{connection.vendor}: campaign over {region.name} ({region.bench_residents:,} residents)"
    )
    for run in range(1, args.runs + 1):
        baseline, created, count = run_once(region, actor)
        print(
            f"run {run}: {count:,} tasks; campaign_create {created:.2f} s "
            f"({count / created:,.0f} tasks/s); bare COPY of the same rows {baseline:.2f} s "
            f"({count / baseline:,.0f} rows/s); ratio {created / baseline:.2f}×"
        )


if __name__ == "__main__":
    main()
