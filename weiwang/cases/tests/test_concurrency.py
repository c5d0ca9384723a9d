"""Two people acting on the same case at the same moment, on real separate connections: one
move wins, the other gets the conflict message, nothing is lost."""

from __future__ import annotations

import threading

import pytest
from django.db import connections

from weiwang.cases.models import Case, CaseCategory, CaseEvent, CaseSource
from weiwang.cases.services import case_act, case_report
from weiwang.core.errors import ApplicationError

pytestmark = pytest.mark.django_db(transaction=True)


def test_simultaneous_moves_on_one_case(world):
    case, _code = case_report(
        actor=world.users["micro_grid_worker"],
        category=CaseCategory.objects.get(code="environment")
        if CaseCategory.objects.exists()
        else _categories(),
        description="井盖缺失",
        micro_grid=world.regions["M1"],
        source=CaseSource.WORKER,
    )
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def act(persona: str, action: str, note: str) -> None:
        try:
            barrier.wait()
            case_act(actor=world.users[persona], case=case, action=action, version=0, note=note)
            outcomes.append("ok")
        except ApplicationError as error:
            outcomes.append(error.code)
        finally:
            connections.close_all()

    threads = [
        threading.Thread(target=act, args=("micro_grid_worker", "accept", "")),
        threading.Thread(target=act, args=("grid_worker", "supervise", "请尽快")),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(outcomes) == ["conflict", "ok"]
    case.refresh_from_db()
    assert case.version == 1
    assert CaseEvent.objects.filter(case=case).exclude(action="report").count() == 1
    assert Case.objects.values("number").distinct().count() == Case.objects.count()


def _categories():
    import importlib

    from django.apps import apps

    importlib.import_module("weiwang.cases.migrations.0002_reference_data").load(apps, None)
    return CaseCategory.objects.get(code="environment")
