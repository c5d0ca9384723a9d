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
import sys
import tempfile
import time
import tracemalloc
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
from weiwang.core.identity import mask_id_number, mask_phone
from weiwang.people.importing import import_sheet, read_sheet
from weiwang.people.models import Household, Resident, ResidentPhone
from weiwang.people.pinyin import name_pinyin
from weiwang.people.seeding import PHONE_COLUMNS, RESIDENT_COLUMNS, IdPartition, PersonFactory
from weiwang.regions.models import Dwelling, Region, Unit
from weiwang.regions.services import format_address

HEADER = ["姓名", "身份证号", "联系电话", "住址", "与户主关系"]


class Rollback(Exception):
    pass


def make_rows(count: int, community: Region) -> list[list[str]]:
    """People for new rooms (9001, 9002, …) in units that already have a micro-grid."""
    rng = random.Random(7)
    people = PersonFactory(rng, IdPartition(residue=49, group=0, groups=1))
    units = list(
        Unit.objects.filter(building__estate__community=community, dwellings__isnull=False)
        .select_related("building__estate")
        .distinct()
    )
    taken = set(Resident.objects.values_list("id_number_index", flat=True))
    rows = []
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
    return rows


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


def timed_import(path: Path, community: Region, *, trace_memory: bool) -> tuple[float, float]:
    """Seconds for a validated import (rolled back); with `trace_memory`, peak MB instead of a
    fair time (tracing slows Python down)."""
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


def timed_bare_insert(rows: list[list[str]], community: Region) -> float:
    """The same people written straight into the tables: no parsing, checks or history."""
    micro = Region.objects.filter(path__startswith=community.path, level="micro_grid").first()
    unit = Unit.objects.filter(building__estate__community=community).first()
    now = timezone.now().isoformat()
    started = time.perf_counter()
    try:
        with transaction.atomic():
            dwellings = bulk.reserve_ids(Dwelling, len(rows))
            households = bulk.reserve_ids(Household, len(rows))
            residents = bulk.reserve_ids(Resident, len(rows))
            phones = bulk.reserve_ids(ResidentPhone, len(rows))
            bulk.insert_rows(
                Dwelling,
                ["id", "unit_id", "room", "micro_grid_id", "region_path", "address"],
                (
                    (d, unit.pk, f"B{d}", micro.pk, micro.path, r[3])
                    for d, r in zip(dwellings, rows, strict=True)
                ),
            )
            bulk.insert_rows(
                Household,
                ["id", "dwelling_id", "micro_grid_id", "region_path", "created_at"],
                (
                    (h, d, micro.pk, micro.path, now)
                    for h, d in zip(households, dwellings, strict=True)
                ),
            )
            bulk.insert_rows(
                Resident,
                RESIDENT_COLUMNS,
                (
                    (
                        rid,
                        h,
                        micro.pk,
                        micro.path,
                        r[0],
                        *name_pinyin(r[0]),
                        crypto.encrypt(r[1]),
                        crypto.blind_index(r[1]),
                        mask_id_number(r[1]),
                        "male",
                        "1970-01-01",
                        "",
                        "permanent",
                        "head",
                        None,
                        now,
                        now,
                    )
                    for rid, h, r in zip(residents, households, rows, strict=True)
                ),
            )
            bulk.insert_rows(
                ResidentPhone,
                PHONE_COLUMNS,
                (
                    (
                        p,
                        rid,
                        "own",
                        crypto.encrypt(r[2]),
                        crypto.blind_index(r[2]),
                        mask_phone(r[2]),
                        r[2][-4:],
                    )
                    for p, rid, r in zip(phones, residents, rows, strict=True)
                ),
            )
            raise Rollback
    except Rollback:
        pass
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=20_000)
    args = parser.parse_args()
    community = Region.objects.get(name="兴乐社区")
    rows = make_rows(args.rows, community)
    bare = timed_bare_insert(rows, community)
    print(f"database: {connection.vendor}; rows: {len(rows):,}")
    print(f"baseline bare bulk insert: {len(rows) / bare:10,.0f} rows/s")
    with tempfile.TemporaryDirectory() as folder:
        for suffix, writer in ((".csv", write_csv), (".xlsx", write_xlsx)):
            path = Path(folder) / f"sheet{suffix}"
            writer(rows, path)
            elapsed, _ = timed_import(path, community, trace_memory=False)
            _, peak = timed_import(path, community, trace_memory=True)
            rate = len(rows) / elapsed
            ratio = rate / (len(rows) / bare)
            print(
                f"validated import {suffix:<5}: {rate:10,.0f} rows/s  ratio {ratio:.3f}"
                f"  peak Python memory {peak:.0f} MB"
            )


if __name__ == "__main__":
    main()
