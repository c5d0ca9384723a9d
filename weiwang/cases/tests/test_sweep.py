"""The periodic sweep: overdue cases are marked, their handlers and the tier above told, and
escalated where the category says so; cases nobody rates are archived after 7 days."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from weiwang.cases.models import Case, CaseEvent, CaseSource, CaseState, Tier
from weiwang.cases.services import case_act, cases_sweep
from weiwang.core.periodic import PERIODIC, run_due
from weiwang.notices.models import Notification


def test_overdue_cases_are_marked_and_both_tiers_told(world, report):
    case = report(category="environment")  # blue: 72 hours, no automatic escalation
    fresh = report(category="environment")
    later = timezone.now() + dt.timedelta(hours=73)
    Case.objects.filter(pk=fresh.pk).update(deadline=later + dt.timedelta(hours=1))
    counts = cases_sweep(now=later)
    assert counts == {"overdue": 1, "escalated": 0, "archived": 0}
    case.refresh_from_db()
    assert case.overdue and case.tier == Tier.MICRO_GRID
    fresh.refresh_from_db()
    assert not fresh.overdue
    told = set(
        Notification.objects.filter(title__contains="超时").values_list("user__username", flat=True)
    )
    assert {"micro_grid_worker", "grid_worker"} <= told
    assert cases_sweep(now=later) == {"overdue": 0, "escalated": 0, "archived": 0}  # once only


def test_categories_that_say_so_escalate_when_overdue(world, report):
    case = report(category="dispute")  # 矛盾调解: escalates automatically
    counts = cases_sweep(now=timezone.now() + dt.timedelta(days=4))
    assert counts["escalated"] == 1
    case.refresh_from_db()
    assert (case.state, case.tier, case.overdue) == (CaseState.REPORTED, Tier.GRID, True)
    assert CaseEvent.objects.filter(case=case, action="auto_escalate").exists()
    # The grid can take it from there.
    case_act(actor=world.users["grid_worker"], case=case, action="accept", version=case.version)


def test_resolved_cases_nobody_rates_are_archived_after_seven_days(world, report):
    case = report(by="resident", source=CaseSource.RESIDENT)
    case_act(actor=world.users["micro_grid_worker"], case=case, action="accept", version=0)
    case_act(
        actor=world.users["micro_grid_worker"],
        case=case,
        action="resolve",
        version=1,
        note="已处理",
    )
    assert cases_sweep(now=timezone.now() + dt.timedelta(days=6))["archived"] == 0
    assert cases_sweep(now=timezone.now() + dt.timedelta(days=8))["archived"] == 1
    case.refresh_from_db()
    assert case.state == CaseState.ARCHIVED and case.rating == ""


def test_the_sweep_is_a_registered_periodic_job(world, report):
    assert "weiwang.cases.tasks.sweep_cases" in PERIODIC
    last: dict[str, float] = {}
    assert "weiwang.cases.tasks.sweep_cases" in run_due(last, 1000.0)
    assert run_due(last, 1010.0) == []  # not due again within its interval
