"""Recording visits (exactly once per idempotency key, with the phone's original time), turning
a problem found into a case, and what is due: the visit rules applied to residents."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiwang.core.errors import ApplicationError
from weiwang.people.models import Household, LifeEvent, Resident
from weiwang.visits.models import Visit, VisitKind, VisitPhoto, VisitRule, VisitTier

# Changes after which a high-risk resident must be visited again within hours.
MAJOR_CHANGES = {"death", "move_in", "move_out", "move_within", "head_change", "tag_added"}
WELLBEING_FIELDS = [
    ("speech", gettext_lazy("言语")),
    ("mobility", gettext_lazy("行动")),
    ("illness", gettext_lazy("疾病")),
    ("mental", gettext_lazy("精神状态")),
    ("benefits", gettext_lazy("享受的待遇")),
    ("family_support", gettext_lazy("家庭照护")),
    ("water", gettext_lazy("用水安全")),
    ("electricity", gettext_lazy("用电安全")),
    ("gas", gettext_lazy("燃气安全")),
    ("needs", gettext_lazy("需求")),
]


def visit_record(
    *,
    visitor,
    household: Household,
    kind: str,
    visited_at: dt.datetime,
    idempotency_key: str,
    found: str = "",
    wellbeing: dict | None = None,
    service: str = "",
    resident: Resident | None = None,
    photos: Sequence = (),
) -> tuple[Visit, bool]:
    """Record a visit; `household` came through the access layer. The same key again (a phone
    retrying after it went offline) returns the visit already stored, not a second one."""
    from weiwang.cases.photos import MAX_PHOTOS, clean_photo

    key = (idempotency_key or "").strip()
    if not 8 <= len(key) <= 64:
        raise ApplicationError(_("缺少有效的提交编号,请刷新页面后重试。"), code="idempotency_key")
    existing = Visit.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.visitor_id != visitor.pk:
            raise ApplicationError(_("提交编号已被使用。"), code="idempotency_key")
        return existing, False
    if kind not in VisitKind.values:
        raise ApplicationError(_("请选择走访方式。"), code="kind")
    if visited_at > timezone.now() + dt.timedelta(minutes=10):
        raise ApplicationError(_("走访时间不能晚于现在。"), code="visited_at")
    if resident is not None and resident.household_id != household.pk:
        raise ApplicationError(_("这位居民不在这一户。"), code="resident")
    allowed = {name for name, _label in WELLBEING_FIELDS}
    clean = {k: str(v).strip()[:200] for k, v in (wellbeing or {}).items() if k in allowed and v}
    if len(photos) > MAX_PHOTOS:
        raise ApplicationError(_("一次最多上传 6 张照片。"), code="photos")
    images = [clean_photo(upload) for upload in photos]
    try:
        with transaction.atomic():
            visit = Visit.objects.create(
                household=household,
                resident=resident,
                micro_grid_id=household.micro_grid_id,
                region_path=household.region_path,
                kind=kind,
                visited_at=visited_at,
                found=found.strip(),
                wellbeing=clean,
                service=service.strip()[:200],
                visitor=visitor,
                idempotency_key=key,
            )
            for image in images:
                VisitPhoto.objects.create(visit=visit, image=image)
    except IntegrityError:  # the same key arrived twice at the same moment
        return Visit.objects.get(idempotency_key=key), False
    return visit, True


@transaction.atomic
def visit_to_case(*, actor, visit: Visit, category, description: str = ""):
    """A problem found on a visit becomes a case in one step, pre-filled from the visit."""
    from weiwang.cases.models import CaseSource
    from weiwang.cases.services import case_report

    if visit.case_id:
        raise ApplicationError(_("这次走访已经转为事件了。"), code="already_case")
    dwelling = visit.household.dwelling
    case, _code = case_report(
        actor=actor,
        category=category,
        description=description.strip() or visit.found,
        micro_grid=dwelling.micro_grid,
        source=CaseSource.WORKER,
        estate=dwelling.unit.building.estate,
        building=dwelling.unit.building,
        dwelling=dwelling,
        people_involved=visit.resident.name if visit.resident else "",
    )
    visit.case = case
    visit.save(update_fields=["case"])
    return case


@dataclass
class Due:
    resident: Resident
    tier: VisitTier
    last_visit: dt.datetime | None
    due_at: dt.datetime
    overdue: bool
    reason: str


@dataclass
class DueRow:
    """What is due to one resident, without loading the resident (city-wide figures)."""

    resident_id: int
    household_id: int
    region_path: str
    tier: VisitTier
    last_visit: dt.datetime | None
    due_at: dt.datetime
    overdue: bool
    reason: str


CHUNK = 20_000  # ids per query: bounded parameter lists on any database


def _tiers_by_tag() -> dict[str, VisitTier]:
    return {r.tag_code: r.tier for r in VisitRule.objects.select_related("tier")}


def due_rows(residents, now: dt.datetime | None = None) -> list[DueRow]:
    """For each current resident with a visited tag: when the next visit is due and whether
    it is overdue. A visit to the household counts for everyone in it."""
    from weiwang.people.models import ResidentTag

    now = now or timezone.now()
    tiers = _tiers_by_tag()
    if not tiers:
        return []
    people: dict[int, tuple[int, str, VisitTier]] = {}
    for resident, household, path, code in ResidentTag.objects.filter(
        resident__in=residents.filter(status="current"), tag__code__in=list(tiers)
    ).values_list("resident_id", "resident__household_id", "resident__region_path", "tag__code"):
        known = people.get(resident)
        if known is None or tiers[code].rank > known[2].rank:
            people[resident] = (household, path, tiers[code])
    households = {household for household, _path, _tier in people.values()}
    last: dict[int, dt.datetime] = {}
    changes: dict[int, dt.datetime] = {}
    ids = sorted(households)
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start : start + CHUNK]
        last.update(
            Visit.objects.filter(household_id__in=chunk)
            .values("household_id")
            .annotate(at=Max("visited_at"))
            .values_list("household_id", "at")
        )
        changes.update(
            LifeEvent.objects.filter(resident__household_id__in=chunk, kind__in=MAJOR_CHANGES)
            .values("resident__household_id")
            .annotate(at=Max("recorded_at"))
            .values_list("resident__household_id", "at")
        )
    rows = []
    for resident, (household, path, tier) in people.items():
        seen = last.get(household)
        due_at = (seen + dt.timedelta(days=tier.interval_days)) if seen else now
        reason = _("按期走访") if seen else _("从未走访")
        changed = changes.get(household)
        if tier.after_change_hours and changed and (seen is None or changed > seen):
            soon = changed + dt.timedelta(hours=tier.after_change_hours)
            if soon < due_at or seen is None:
                due_at, reason = soon, _("家中有重大变化")
        rows.append(
            DueRow(resident, household, path, tier, seen, due_at, due_at <= now, str(reason))
        )
    return rows


def due_for(residents, now: dt.datetime | None = None) -> list[Due]:
    """`due_rows` with each resident loaded (household and dwelling), for the worker's list."""
    rows = due_rows(residents, now)
    people = Resident.objects.select_related("household__dwelling").in_bulk(
        [r.resident_id for r in rows]
    )
    return [
        Due(people[r.resident_id], r.tier, r.last_visit, r.due_at, r.overdue, r.reason)
        for r in rows
    ]


def worker_list(rows: list[Due], *, within_days: int = 7, now=None) -> list[Due]:
    """The phone's list: overdue first, then due within a week; each part in walking order
    (building, unit, room)."""
    now = now or timezone.now()
    soon = [r for r in rows if r.overdue or r.due_at <= now + dt.timedelta(days=within_days)]
    return sorted(soon, key=lambda r: (not r.overdue, r.resident.household.dwelling.address))


@dataclass
class Coverage:
    region_id: int
    name: str
    required: int  # visits that fell due this month so far
    on_time: int  # of those, made by their due time
    never: int  # residents never visited at all
    overdue: int = 0  # residents overdue right now

    @property
    def share(self) -> float:
        return self.on_time / self.required if self.required else 1.0


def month_slots(
    visits: list[dt.datetime], interval: dt.timedelta, start: dt.datetime, now: dt.datetime
) -> tuple[int, int]:
    """(visits required this month so far, made on time) for one household's sorted visit
    times: each visit restarts the interval; a visit due passes unmet until the next one comes
    (every interval without a visit is another one missed); before any visit, one is due now."""
    before = [t for t in visits if t < start]
    after = [t for t in visits if t >= start]
    due = before[-1] + interval if before and before[-1] + interval > start else start
    required = on_time = taken = 0
    while due <= now:
        required += 1
        upcoming = after[taken] if taken < len(after) else None
        if upcoming is not None and upcoming <= due:
            on_time += 1
            taken += 1
            due = upcoming + interval
        else:
            due += interval
    return required, on_time


def coverage_rows(residents, now: dt.datetime | None = None):
    """For each resident who must be visited: (their Due, visits that fell due to them this
    month so far, of those made on time)."""
    now = now or timezone.now()
    start = timezone.localtime(now).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    dues = due_rows(residents, now)
    longest = max((d.tier.interval_days for d in dues), default=0)
    times: dict[int, list[dt.datetime]] = {}
    households = sorted({d.household_id for d in dues})
    for first in range(0, len(households), CHUNK):
        for household, at in (
            Visit.objects.filter(
                household_id__in=households[first : first + CHUNK],
                visited_at__gte=start - dt.timedelta(days=longest),
                visited_at__lte=now,
            )
            .order_by("visited_at")
            .values_list("household_id", "visited_at")
        ):
            times.setdefault(household, []).append(at)
    for due in dues:
        interval = dt.timedelta(days=due.tier.interval_days)
        required, on_time = month_slots(times.get(due.household_id, []), interval, start, now)
        yield due, required, on_time


def coverage(region, residents, now=None) -> list[Coverage]:
    """Per child region (grid or micro-grid), this month so far: visits that fell due to the
    residents who must be visited, how many were made on time; who was never visited and who
    is overdue now."""
    from weiwang.regions.models import Region

    children = {c.pk: c for c in Region.objects.filter(parent=region)}
    rows: dict[int, Coverage] = {
        pk: Coverage(pk, child.name, 0, 0, 0) for pk, child in children.items()
    }
    depth = region.path.strip("/").count("/") + 1
    within = residents.filter(region_path__startswith=region.path)
    for due, required, on_time in coverage_rows(within, now):
        ids = [int(x) for x in due.region_path.strip("/").split("/")]
        row = rows.get(ids[depth]) if len(ids) > depth else None
        if row is None:
            continue
        row.required += required
        row.on_time += on_time
        row.never += due.last_visit is None
        row.overdue += due.overdue
    return sorted(rows.values(), key=lambda r: r.region_id)  # the order they were created in
