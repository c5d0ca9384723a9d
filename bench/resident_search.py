"""Latency of resident search for a grid worker, by kind of query, against a primary-key read.

Usage: DATABASE_URL=postgres://… .venv/bin/python bench/resident_search.py [--login grid1]
on a database seeded with `seed_demo --residents 1000000`. Prints p50 and p95 per kind.
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

from weiwang.accounts.models import User
from weiwang.core import crypto
from weiwang.people.models import Resident
from weiwang.people.selectors import residents_for_user, search_residents

SAMPLES = 200


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def timed(call) -> float:
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--login", default="grid1")
    args = parser.parse_args()
    user = User.objects.get(username=args.login)
    rng = random.Random(1)
    mine = list(residents_for_user(user).values_list("pk", flat=True)[:5000])
    sample = list(Resident.objects.filter(pk__in=rng.sample(mine, min(SAMPLES, len(mine)))))
    kinds = {
        "name": lambda r: r.name,
        "pinyin": lambda r: r.name_pinyin,
        "initials": lambda r: r.name_initials,
        "id number": lambda r: crypto.decrypt(r.id_number_encrypted),
    }
    baseline = [timed(lambda r=r: Resident.objects.get(pk=r.pk)) for r in sample]
    base50 = statistics.median(baseline)
    print(f"{Resident.objects.count():,} residents; {args.login} sees {len(mine):,}+")
    print(f"baseline pk read: p50 {base50:.2f} ms  p95 {percentile(baseline, 0.95):.2f} ms")
    for kind, term in kinds.items():
        times = [timed(lambda r=r, t=term: search_residents(user, query=t(r))) for r in sample]
        p50, p95 = statistics.median(times), percentile(times, 0.95)
        print(
            f"{kind:<10} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  (p50 {p50 / base50:5.1f}x baseline)"
        )


if __name__ == "__main__":
    main()
