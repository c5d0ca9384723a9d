"""Queries and time of the resident list page for each demo login, against /healthz.

Usage: .venv/bin/python bench/resident_list.py   (on a database seeded by seed_demo)
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "weiwang.settings")

import django

django.setup()

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment

from weiwang.accounts.models import User

LOGINS = ["district_admin", "street_admin", "community_staff", "grid1", "micro1", "resident1"]
PAGES = ["/residents/", "/residents/?q=zs", "/residents/?tag=advanced_age"]
REPEAT = 15


def timed(client: Client, url: str) -> tuple[float, int]:
    times = []
    for _ in range(REPEAT):
        started = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - started)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        client.get(url)
    return statistics.median(times), len(queries)


def main() -> None:
    setup_test_environment()
    baseline_client = Client()
    baseline, _ = timed(baseline_client, "/healthz")
    print(f"baseline /healthz: {baseline * 1000:.2f} ms (median of {REPEAT})")
    for username in LOGINS:
        user = User.objects.filter(username=username).first()
        if user is None:
            continue
        client = Client()
        client.force_login(user)
        for url in PAGES:
            median, queries = timed(client, url)
            print(
                f"{username:<16} {url:<32} {queries:>2} queries  {median * 1000:7.1f} ms"
                f"  ratio {median / baseline:6.1f}x"
            )


if __name__ == "__main__":
    main()
