from __future__ import annotations

import pytest

from weiwang.cases.models import CaseCategory, CaseSource
from weiwang.cases.services import case_report


@pytest.fixture
def report(world):
    """Report a case in micro-grid M1 (or another), by a persona or anonymously."""

    def make(
        *,
        by: str | None = "micro_grid_worker",
        category: str = "environment",
        micro: str = "M1",
        source: str = CaseSource.WORKER,
        description: str = "3栋楼道堆放杂物,影响通行",
        **extra,
    ):
        case, _code = case_report(
            actor=world.users[by] if by else None,
            category=CaseCategory.objects.get(code=category),
            description=description,
            micro_grid=world.regions[micro],
            source=source,
            **extra,
        )
        return case

    return make
