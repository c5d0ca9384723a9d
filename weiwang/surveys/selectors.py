"""Reads for survey campaigns, all scoped: the campaigns a staff member may see, the tasks a
worker may fill, progress per grid and micro-grid, and results per question."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from weiwang.access import Action, paths_around, scope_q
from weiwang.regions.models import Region
from weiwang.surveys.models import Campaign, Question, QuestionKind, SurveyTask
from weiwang.surveys.services import CHOICE_KINDS, NO, YES


def campaigns_for_user(user, action: Action = Action.RUN_SURVEYS) -> QuerySet[Campaign]:
    """Campaigns over a region in the user's scope, or over a region containing it (a
    community-wide campaign is the grid worker's campaign too)."""
    inside = scope_q(user, action, path="region_path", building="", household="")
    around = Q(region_path__in=paths_around(user, action))
    return Campaign.objects.filter(inside | around).select_related("form", "region")


def tasks_for_user(user, action: Action = Action.HANDLE_CASES) -> QuerySet[SurveyTask]:
    return SurveyTask.objects.filter(
        scope_q(user, action, path="region_path", building="", household="")
    ).select_related("campaign__form", "household__dwelling")


@dataclass
class Progress:
    region: Region
    total: int = 0
    done: int = 0
    confirmed: int = 0

    @property
    def share(self) -> float:
        return self.done / self.total if self.total else 0.0

    @property
    def percent(self) -> int:
        return round(self.share * 100)


def progress(tasks: QuerySet[SurveyTask]) -> tuple[list[Progress], list[Progress]]:
    """(per grid, per micro-grid) counts of tasks, answered and confirmed, in one grouped query
    plus one for the region names."""
    counts = list(
        tasks.order_by()
        .values("micro_grid_id")
        .annotate(total=Count("pk"), done=Count("answered_at"), confirmed=Count("confirmed_at"))
    )
    regions = Region.objects.in_bulk({c["micro_grid_id"] for c in counts})
    parents = Region.objects.in_bulk({r.parent_id for r in regions.values() if r.parent_id})
    micro: list[Progress] = []
    grids: dict[int, Progress] = {}
    for row in counts:
        region = regions[row["micro_grid_id"]]
        micro.append(Progress(region, row["total"], row["done"], row["confirmed"]))
        parent = parents.get(region.parent_id, region)
        grid = grids.setdefault(parent.pk, Progress(parent))
        grid.total += row["total"]
        grid.done += row["done"]
        grid.confirmed += row["confirmed"]
    by_name = lambda p: (p.region.path.count("/"), p.region.name)  # noqa: E731
    return sorted(grids.values(), key=by_name), sorted(micro, key=by_name)


@dataclass
class Result:
    question: Question
    answered: int = 0
    options: list[tuple[str, int, int]] = field(default_factory=list)  # label, count, percent
    average: float | None = None
    low: float | None = None
    high: float | None = None
    samples: list[str] = field(default_factory=list)


def results(questions: list[Question], tasks: QuerySet[SurveyTask]) -> list[Result]:
    """Per question: how many answered; counts per option for choices and 是/否; average and
    range for numbers; the latest answers for text and dates."""
    counters = {q.pk: Counter() for q in questions}
    numbers: dict[int, list[float]] = {q.pk: [] for q in questions}
    samples: dict[int, list[str]] = {q.pk: [] for q in questions}
    answered = Counter()
    rows = (
        tasks.exclude(answered_at=None).order_by("-answered_at").values_list("answers", flat=True)
    )
    for answers in rows.iterator(chunk_size=5000):
        for question in questions:
            value = (answers or {}).get(str(question.pk))
            if value is None:
                continue
            answered[question.pk] += 1
            if question.kind in CHOICE_KINDS | {QuestionKind.YES_NO}:
                counters[question.pk].update(value if isinstance(value, list) else [value])
            elif question.kind == QuestionKind.NUMBER:
                numbers[question.pk].append(float(value))
            elif question.kind != QuestionKind.PHOTO and len(samples[question.pk]) < 10:
                samples[question.pk].append(str(value))
    return [
        _result(q, answered[q.pk], counters[q.pk], numbers[q.pk], samples[q.pk]) for q in questions
    ]


def _result(question, answered, counter, numbers, samples) -> Result:
    from django.utils.translation import gettext as _

    result = Result(question, answered, samples=samples)
    if question.kind == QuestionKind.YES_NO:
        labels = [(YES, _("是")), (NO, _("否"))]
    else:
        labels = [(c, c) for c in question.choices]
    for value, label in labels:
        count = counter.get(value, 0)
        result.options.append((label, count, round(100 * count / answered) if answered else 0))
    if numbers:
        result.average = round(sum(numbers) / len(numbers), 1)
        result.low, result.high = min(numbers), max(numbers)
    return result
