"""Writing checked rows in one transaction, and reporting on them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core import crypto
from weiwang.people.importing.checking import ImportReport, Target, _Checker
from weiwang.people.importing.sheets import Sheet, SheetRow
from weiwang.people.models import (
    Household,
    LifeEvent,
    LifeEventKind,
    Resident,
    ResidentPhone,
    ResidentTag,
)
from weiwang.people.services import phone_row, resident_build
from weiwang.regions.models import Dwelling, Region
from weiwang.regions.services import (
    building_get_or_create,
    format_address,
    region_counts_add,
    unit_get_or_create,
)

PROGRESS_EVERY = 200


def import_sheet(
    *,
    actor,
    sheet: Sheet,
    community: Region,
    dry_run: bool = False,
    skip_invalid: bool = False,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Check every row; unless it is a dry run, write all rows in one transaction (or, with
    `skip_invalid`, the valid ones). Nothing is written when a row is refused otherwise."""
    progress = on_progress or (lambda phase, done, total: None)
    total = len(sheet.rows)
    checker = _Checker(community)
    checker.preload_residents(sheet.rows)
    for done, row in enumerate(sheet.rows, start=1):
        checker.check(row)
        if done % PROGRESS_EVERY == 0 or done == total:
            progress("check", done, total)
    report = ImportReport(sheet=sheet)
    if dry_run or (report.refused and not skip_invalid):
        for row in sheet.rows:
            row.outcome = "refused" if row.errors else "ready"
        report.counts = _count(sheet)
        return report
    with transaction.atomic():
        writer = _Writer(actor, community)
        for done, row in enumerate(sheet.rows, start=1):
            row.outcome = "refused" if row.errors else writer.write(row)
            if done % PROGRESS_EVERY == 0 or done == total:
                writer.flush()
                progress("import", done, total)
        writer.flush()
        audit_record(
            actor=actor,
            action="residents.import",
            target_type="region",
            target_id=community.pk,
            detail=_count(sheet),
        )
    report.committed = True
    report.counts = _count(sheet)
    return report


def _count(sheet: Sheet) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in sheet.rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return counts


class _Writer:
    """Writes valid rows. New people go in batches: their new dwellings and households, then
    residents, phones and tags in bulk, then one update of the region counts per micro-grid.
    Residents imported before are updated one by one."""

    def __init__(self, actor, community: Region):
        self.actor = actor
        self.grid_paths = dict(
            Region.objects.filter(path__startswith=community.path).values_list("pk", "path")
        )
        self.dwellings: dict[tuple[int, str, str, str], int] = {}
        self.households: dict[int, Household] = {}
        self.units: dict[tuple[int, str, str], int] = {}
        self.pending: list[SheetRow] = []

    def write(self, row: SheetRow) -> str:
        if row.existing is not None:
            return _update(self.actor, row)
        self.pending.append(row)
        return "created"

    def flush(self) -> None:
        if not self.pending:
            return
        added: Counter[tuple[int, str]] = Counter()
        self._new_dwellings(added)
        households = self._households({self._dwelling_id(r.target) for r in self.pending}, added)
        residents = Resident.objects.bulk_create(
            resident_build(
                household=households[self._dwelling_id(row.target)],
                name=row.values["name"].strip(),
                facts=row.facts,
                relation_to_head=row.relation,
                residence_type=row.residence,
            )
            for row in self.pending
        )
        phones, tags = [], []
        for resident, row in zip(residents, self.pending, strict=True):
            if row.phone:
                phones.append(phone_row(resident, row.phone, "own"))
            tags += [ResidentTag(resident=resident, tag=tag) for tag in row.tag_list]
            added[(resident.micro_grid_id, "resident_count")] += 1
        ResidentPhone.objects.bulk_create(phones)
        ResidentTag.objects.bulk_create(tags)
        self._count(added)
        self.pending = []

    def _dwelling_id(self, target: Target) -> int:
        return target.dwelling_id or self.dwellings[target.key]

    def _new_dwellings(self, added: Counter) -> None:
        wanted = {
            r.target.key: r.target
            for r in self.pending
            if r.target.dwelling_id is None and r.target.key not in self.dwellings
        }
        rows = []
        for target in wanted.values():
            a = target.address
            path = self.grid_paths[target.micro_grid_id]
            rows.append(
                Dwelling(
                    unit_id=self._unit_id(target),
                    room=a.room,
                    micro_grid_id=target.micro_grid_id,
                    region_path=path,
                    address=format_address(target.estate.name, a.building, a.unit, a.room),
                )
            )
            added[(target.micro_grid_id, "dwelling_count")] += 1
        for key, dwelling in zip(wanted, Dwelling.objects.bulk_create(rows), strict=True):
            self.dwellings[key] = dwelling.pk

    def _unit_id(self, target: Target) -> int:
        a = target.address
        key = (target.estate.pk, a.building, a.unit)
        if key not in self.units:
            building = building_get_or_create(estate=target.estate, number=a.building)
            self.units[key] = unit_get_or_create(building=building, number=a.unit).pk
        return self.units[key]

    def _households(self, dwelling_ids: set[int], added: Counter) -> dict[int, Household]:
        missing = dwelling_ids - set(self.households)
        for household in Household.objects.filter(dwelling_id__in=missing).order_by("-id"):
            self.households[household.dwelling_id] = household  # the oldest one wins
        dwellings = Dwelling.objects.filter(pk__in=missing - set(self.households))
        created = Household.objects.bulk_create(
            Household(dwelling=d, micro_grid_id=d.micro_grid_id, region_path=d.region_path)
            for d in dwellings
        )
        for household in created:
            self.households[household.dwelling_id] = household
            added[(household.micro_grid_id, "household_count")] += 1
        return self.households

    def _count(self, added: Counter) -> None:
        per_grid: dict[int, dict[str, int]] = {}
        for (grid, field_name), count in added.items():
            per_grid.setdefault(grid, {})[field_name] = count
        for grid, deltas in per_grid.items():
            region_counts_add(micro_grid_id=grid, path=self.grid_paths[grid], **deltas)


def _update(actor, row: SheetRow) -> str:
    """Bring an imported-before resident in line with the sheet; record what changed."""
    resident = row.existing
    changed = []
    for field_name, value, label in (
        ("name", row.values["name"], _("姓名")),
        ("relation_to_head", row.relation, _("与户主关系")),
        ("residence_type", row.residence, _("人员类型")),
    ):
        if getattr(resident, field_name) != value:
            setattr(resident, field_name, value)
            changed.append(str(label))
    wanted_tags = {t.pk for t in row.tag_list}
    have_tags = set(resident.tag_links.values_list("tag_id", flat=True))
    if wanted_tags - have_tags:
        ResidentTag.objects.bulk_create(
            ResidentTag(resident=resident, tag_id=t) for t in wanted_tags - have_tags
        )
        changed.append(str(_("人群标签")))
    phone = row.phone
    if phone and not resident.phones.filter(number_index=crypto.blind_index(phone)).exists():
        phone_row(resident, phone, "own").save()
        changed.append(str(_("电话")))
    if not changed:
        return "unchanged"
    resident.save()
    LifeEvent.objects.create(
        resident=resident,
        kind=LifeEventKind.UPDATED,
        actor=actor,
        occurred_on=timezone.localdate(),
        note=_("导入更新:%(fields)s") % {"fields": "、".join(changed)},
    )
    return "updated"


def write_error_report(out, report: ImportReport) -> None:
    """The same sheet with a 错误原因 column, for staff to fix and import again."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("导入结果"))
    sheet.append([*report.sheet.header, _("错误原因")])
    # After an import only the refused rows are left to fix; the others are in the registry
    # and should not linger in a plain file.
    for row in report.refused if report.committed else report.sheet.rows:
        sheet.append([*row.raw, "".join(row.errors)])
    workbook.save(out)


def refused_lines(report: ImportReport) -> Iterable[str]:
    for row in report.refused:
        yield _("第 %(line)d 行:%(reasons)s") % {"line": row.line, "reasons": "".join(row.errors)}
