"""Keeping the dashboard figures current: recomputed every ten minutes by the background
workers (a city's figures in seconds; see bench/)."""

from __future__ import annotations

from weiwang.core.periodic import periodic_task
from weiwang.dashboards.services import aggregate_regions


@periodic_task(every=600)
def aggregate_dashboard_figures() -> None:
    aggregate_regions()
