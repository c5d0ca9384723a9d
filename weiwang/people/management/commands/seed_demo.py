from __future__ import annotations

import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from weiwang.cases.demo import seed_demo_cases
from weiwang.cases.services import cases_sweep
from weiwang.dashboards.demo import seed_demo_boundaries
from weiwang.dashboards.receivers import stale_marks_paused
from weiwang.dashboards.services import aggregate_regions
from weiwang.deliberation.demo import seed_demo_consultation, seed_demo_projects
from weiwang.emergency.demo import seed_demo_emergency
from weiwang.interest_groups.demo import seed_demo_groups
from weiwang.notices.demo import seed_demo_notices
from weiwang.party.demo import seed_demo_party
from weiwang.people.demo import create_demo_users, place_zhang_san
from weiwang.people.seeding import DEMO_RESIDENTS, build_area
from weiwang.regions.models import Region
from weiwang.surveys.demo import seed_demo_surveys
from weiwang.visits.demo import seed_demo_visits
from weiwang.volunteers.demo import seed_demo_volunteering


class Command(BaseCommand):
    help = "Create the demo community 兴乐社区 (or a larger synthetic area with --residents N)."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--seed", type=int, default=2022, help="random seed (same seed, same data)"
        )
        parser.add_argument(
            "--residents",
            type=int,
            default=DEMO_RESIDENTS,
            help="residents in total; above 17,000 more communities and streets",
        )
        parser.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes writing communities at once on PostgreSQL (default: one per core)",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="do nothing when the database already has regions",
        )

    def handle(
        self, *args, seed: int, residents: int, if_empty: bool, workers: int | None, **options
    ) -> None:
        if settings.PRODUCTION:
            raise CommandError("seed_demo creates demo logins and is refused in production.")
        if residents < 100:
            raise CommandError("--residents must be at least 100.")
        if Region.objects.exists():
            if if_empty:
                self.stdout.write("Database already has data; demo not re-created.")
                return
            raise CommandError("The database already has regions; seed_demo needs an empty one.")
        started = time.perf_counter()
        # The full aggregation below counts everything; a mark per save would be wasted.
        with stale_marks_paused():
            report, area = build_area(
                seed=seed,
                residents=residents,
                workers=workers,
                on_progress=lambda msg: self.stdout.write(f"  {msg}"),
            )
            seeded = time.perf_counter() - started
            zhang_san = place_zhang_san(area["community"])
            create_demo_users(area, zhang_san)
            cases = seed_demo_cases(area["community"], seed=seed)
            seed_demo_consultation(area["community"], seed=seed)
            seed_demo_projects(area["community"], seed=seed)
            seed_demo_visits(area["community"], seed=seed)
            seed_demo_surveys(area["community"], seed=seed)
            seed_demo_emergency(area["community"], seed=seed)
            seed_demo_volunteering(area["community"], seed=seed)
            seed_demo_groups(area["community"], seed=seed)
            seed_demo_party(area["community"], seed=seed)
            seed_demo_notices(area["community"], seed=seed)
            cases_sweep()  # what is overdue by now is marked, told and escalated
        seed_demo_boundaries(seed=seed)
        aggregate_regions()  # the dashboard's figures at once, not at the next half-hourly run
        total = time.perf_counter() - started
        self.stdout.write(
            self.style.SUCCESS(
                f"Seeded {report.residents} residents in {report.households} households, "
                f"{report.dwellings} dwellings, {report.regions} regions, "
                f"{len(report.communities)} communities in {seeded:.1f}s "
                f"({report.residents / seeded:,.0f} residents/s); with demo logins and "
                f"{cases} cases {total:.1f}s."
            )
        )
