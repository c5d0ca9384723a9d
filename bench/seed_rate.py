"""Residents per second of the synthetic-area generator, against raw COPY speed.

Usage: DATABASE_URL=postgres://postgres@127.0.0.1:5432/weiwang_bench \
       .venv/bin/python bench/seed_rate.py --residents 200000
The database must be migrated and empty; it is left seeded.
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

from weiwang.people.seeding import build_area


def raw_copy_rate(rows: int) -> float:
    """Rows per second of a bare COPY (or executemany) of resident-width rows, rolled back."""
    row = ("x" * 12, "y" * 80, "z" * 32, "5101**********1234", "male", "1965-03-03", "/1/2/3/4/5/")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMPORARY TABLE bench_rows (a varchar(20), b text, c varchar(32), "
            "d varchar(18), e varchar(8), f date, g varchar(255))"
        )
        started = time.perf_counter()
        if connection.vendor == "postgresql":
            with cursor.cursor.copy("COPY bench_rows FROM STDIN") as copy:
                for _ in range(rows):
                    copy.write_row(row)
        else:
            cursor.executemany("INSERT INTO bench_rows VALUES (%s,%s,%s,%s,%s,%s,%s)", [row] * rows)
        elapsed = time.perf_counter() - started
        cursor.execute("DROP TABLE bench_rows")
    return rows / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--residents", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=None, help="default: one per core")
    args = parser.parse_args()
    baseline = raw_copy_rate(args.residents)
    started = time.perf_counter()
    report, _area = build_area(seed=2022, residents=args.residents, workers=args.workers)
    elapsed = time.perf_counter() - started
    rate = report.residents / elapsed
    print(f"database: {connection.vendor}, workers: {args.workers or os.cpu_count()}")
    print(f"baseline raw COPY:   {baseline:12,.0f} rows/s")
    print(
        f"seed (full):         {rate:12,.0f} residents/s  ({elapsed:.1f}s for {report.residents:,})"
    )
    print(f"ratio seed/baseline: {rate / baseline:12.3f}")
    print(
        f"also written: {report.households:,} households, {report.phones:,} phones, "
        f"{report.tags:,} tags, {report.dwellings:,} dwellings, {report.regions:,} regions"
    )


if __name__ == "__main__":
    main()
