"""Keeping the dashboard figures current: regions whose rows changed are brought up to date
every minute; everything is recomputed every half hour (what no single save marks: time
passing, bulk writes, deliveries) and at the first run of a day. Reports are generated when a
week or a month has ended."""

from __future__ import annotations

from weiwang.core.periodic import periodic_task
from weiwang.dashboards.services import aggregate_regions, refresh_stale


@periodic_task(every=1800)
def aggregate_dashboard_figures() -> None:
    aggregate_regions()


@periodic_task(every=60)
def refresh_stale_figures() -> None:
    refresh_stale()


@periodic_task(every=3600)
def generate_period_reports() -> None:
    from weiwang.dashboards.reports import generate_due_reports

    generate_due_reports()
