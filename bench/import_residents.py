"""Rows per second of the validated resident import, against a bare bulk insert of the same
rows into the same tables, for .csv and .xlsx; and the import's peak Python memory.

Usage: .venv/bin/python bench/import_residents.py --rows 20000
on a database with the demo community (`manage.py seed_demo`). Every run is rolled back.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

import random

from django.db import connection, transaction
from django.utils import timezone
from openpyxl import Workbook

from weiwang.core import bulk, crypto
from weiwang.people.importing import import_sheet, read_sheet
from weiwang.people.models import Household, Resident, ResidentPhone
from weiwang.people.rows import PHONE_COLUMNS, RESIDENT_COLUMNS, phone_values, resident_values
from weiwang.people.seeding import IdPartition, PersonFactory
from weiwang.regions.models import Dwelling, Region, Unit
from weiwang.regions.services import format_address

HEADER = ["姓名", "身份证号", "联系电话", "住址", "与户主关系"]


class Rollback(Exception):
    pass


@dataclass
class Placement:
    """Where a generated person lives, for the bare insert: the import finds this itself."""

    unit_id: int
    room: str
    micro_grid_id: int
    path: str


def make_rows(count: int, community: Region) -> tuple[list[list[str]], list[Placement]]:
    """People for new rooms (9001, 9002, …) in units that already have a micro-grid."""
    rng = random.Random(7)
    people = PersonFactory(rng, IdPartition(residue=49, group=0, groups=1))
    units = list(
        Unit.objects.filter(building__estate__community=community, dwellings__isnull=False)
        .select_related("building__estate")
        .distinct()
    )
    grid_of = dict(Dwelling.objects.filter(unit__in=units).values_list("unit_id", "micro_grid_id"))
    paths = dict(Region.objects.filter(pk__in=set(grid_of.values())).values_list("pk", "path"))
    taken = set(Resident.objects.values_list("id_number_index", flat=True))
    rows, placements = [], []
    while len(rows) < count:
        unit = units[len(rows) % len(units)]
        sex = rng.choice(("male", "female"))
        birth = dt.date(1950, 1, 1) + dt.timedelta(days=rng.randrange(50 * 365))
        number = people.id_number(birth, sex, local=True)
        if crypto.blind_index(number) in taken:
            continue
        name = people.name(sex, people.surname())[0]
        room = str(9000 + len(rows) // len(units))
        address = format_address(unit.building.estate.name, unit.building.number, unit.number, room)
        rows.append([name, number, people.phone(), address, "户主"])
        grid = grid_of[unit.pk]
        placements.append(Placement(unit.pk, room, grid, paths[grid]))
    return rows, placements


def write_csv(rows: list[list[str]], path: Path) -> None:
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(HEADER)
        writer.writerows(rows)


def write_xlsx(rows: list[list[str]], path: Path) -> None:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    workbook.save(path)


def vacuum() -> None:
    """Each rolled-back run leaves dead rows with the very same unique keys, which every later
    run's unique checks must step over: clear them so that no run is slowed by the ones before
    it (PostgreSQL; SQLite leaves nothing behind)."""
    if connection.vendor != "postgresql":
        return
    tables = [m._meta.db_table for m in (Dwelling, Household, Resident, ResidentPhone)]
    with connection.cursor() as cursor:
        cursor.execute(f"VACUUM {', '.join(tables)}")


def timed_import(path: Path, community: Region, *, trace_memory: bool) -> tuple[float, float]:
    """Seconds for a validated import (rolled back); with `trace_memory`, peak MB instead of a
    fair time (tracing slows Python down)."""
    vacuum()
    if trace_memory:
        tracemalloc.start()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            report = import_sheet(actor=None, sheet=read_sheet(path), community=community)
            assert report.committed and not report.refused, report.counts
            raise Rollback
    except Rollback:
        pass
    elapsed = time.perf_counter() - started
    peak = 0.0
    if trace_memory:
        peak = tracemalloc.get_traced_memory()[1] / 2**20
        tracemalloc.stop()
    return elapsed, peak


def _derived(number: str) -> tuple[str, dt.date]:
    """Sex and birth date read straight off the digits, unchecked (the import validates)."""
    sex = "male" if int(number[16]) % 2 else "female"
    return sex, dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


def timed_bare_insert(rows: list[list[str]], placements: list[Placement]) -> float:
    """The same people, dwellings and households written straight into the same tables with
    the same row builders and id allocation as the import: no reading, parsing, checks,
    matching or history."""
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    vacuum()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            facts = [_derived(r[1]) for r in rows]
            dwellings = bulk.allocate_ids(Dwelling, len(rows))
            households = bulk.allocate_ids(Household, len(rows))
            residents = bulk.allocate_ids(Resident, len(rows))
            phones = bulk.allocate_ids(ResidentPhone, len(rows))
            bulk.insert_rows(
                Dwelling,
                ["id", "unit_id", "room", "micro_grid_id", "region_path", "address"],
                (
                    (d, p.unit_id, p.room, p.micro_grid_id, p.path, r[3])
                    for d, p, r in zip(dwellings, placements, rows, strict=True)
                ),
            )
            bulk.insert_rows(
                Household,
                ["id", "dwelling_id", "micro_grid_id", "region_path", "created_at"],
                (
                    (h, d, p.micro_grid_id, p.path, now)
                    for h, d, p in zip(households, dwellings, placements, strict=True)
                ),
            )
            bulk.insert_rows(
                Resident,
                RESIDENT_COLUMNS,
                (
                    resident_values(
                        pk=rid,
                        household_id=h,
                        micro_grid_id=p.micro_grid_id,
                        region_path=p.path,
                        name=r[0],
                        id_number=r[1],
                        sex=f[0],
                        birth_date=f[1],
                        registered_address="",
                        residence_type="permanent",
                        relation_to_head="head",
                        moved_in_on=None,
                        now=now,
                    )
                    for rid, h, p, r, f in zip(
                        residents, households, placements, rows, facts, strict=True
                    )
                ),
            )
            bulk.insert_rows(
                ResidentPhone,
                PHONE_COLUMNS,
                (
                    phone_values(pk=pid, resident_id=rid, label="own", number=r[2])
                    for pid, rid, r in zip(phones, residents, rows, strict=True)
                ),
            )
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--repeat", type=int, default=3, help="best of this many runs, each side")
    parser.add_argument("--measure-memory", metavar="SHEET", help=argparse.SUPPRESS)
    args = parser.parse_args()
    community = Region.objects.get(name="兴乐社区")
    if args.measure_memory:
        _measure_memory(Path(args.measure_memory), community)
        return
    rows, placements = make_rows(args.rows, community)
    bare = min(timed_bare_insert(rows, placements) for _ in range(args.repeat))
    print(f"database: {connection.vendor}; rows: {len(rows):,}; best of {args.repeat}")
    print(f"baseline bare bulk insert: {len(rows) / bare:10,.0f} rows/s")
    with tempfile.TemporaryDirectory() as folder:
        for suffix, writer in ((".csv", write_csv), (".xlsx", write_xlsx)):
            path = Path(folder) / f"sheet{suffix}"
            writer(rows, path)
            elapsed = min(
                timed_import(path, community, trace_memory=False)[0] for _ in range(args.repeat)
            )
            _, python_peak = timed_import(path, community, trace_memory=True)
            rate = len(rows) / elapsed
            ratio = rate / (len(rows) / bare)
            print(
                f"validated import {suffix:<5}: {rate:10,.0f} rows/s  ratio {ratio:.3f}  "
                f"peak Python memory {python_peak:.0f} MB"
            )
            # Peak resident memory of a fresh process doing only the import.
            child = subprocess.run(  # noqa: S603 (this very script, with a path it wrote)
                [sys.executable, __file__, "--measure-memory", str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            print(f"    {child.stdout.strip()}")


def _measure_memory(path: Path, community: Region) -> None:

    # Warm up what every import loads once (ID-number regions, pinyin dictionaries).
    from weiwang.core.identity import parse_id_number
    from weiwang.people.pinyin import name_pinyin

    parse_id_number("510121196503031234")
    name_pinyin("张三")
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    before = pages * resource.getpagesize() / 2**20
    timed_import(path, community, trace_memory=False)
    # VmHWM, not getrusage: a child's ru_maxrss starts from its parent's peak at fork.
    status = Path("/proc/self/status").read_text()
    peak = int(re.search(r"VmHWM:\s+(\d+) kB", status).group(1)) / 1024
    print(
        f"import process peak RSS {peak:.0f} MB "
        f"(resident before the import: {before:.0f} MB of Django, libraries and dictionaries)"
    )


if __name__ == "__main__":
    main()
