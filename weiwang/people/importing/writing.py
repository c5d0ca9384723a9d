"""Writing checked rows in one transaction, and reporting on them."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core import bulk, crypto
from weiwang.core.collector import collector_paused
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
from weiwang.people.pinyin import name_pinyin
from weiwang.people.rows import (
    PHONE_COLUMNS,
    RESIDENT_COLUMNS,
    TAG_COLUMNS,
    phone_values,
    resident_values,
)
from weiwang.people.services import phone_row
from weiwang.regions.models import Dwelling, Region, Unit
from weiwang.regions.services import (
    building_get_or_create,
    format_address,
    region_counts_add,
    unit_get_or_create,
)

PROGRESS_EVERY = 200  # rows checked between progress reports
FLUSH_EVERY = 5000  # new people written per batch (and between progress reports)


@collector_paused()
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
    report = check_sheet(sheet=sheet, community=community, on_progress=on_progress)
    if report.writable(dry_run=dry_run, skip_invalid=skip_invalid):
        write_sheet(actor=actor, report=report, on_progress=on_progress)
    return report


@collector_paused()
def check_sheet(
    *,
    sheet: Sheet,
    community: Region,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> ImportReport:
    """Check every row and find who is registered already; writes nothing."""
    progress = on_progress or (lambda phase, done, total: None)
    total = len(sheet.rows)
    checker = _Checker(community)
    for done, row in enumerate(sheet.rows, start=1):
        checker.check(row)
        if done % PROGRESS_EVERY == 0 or done == total:
            progress("check", done, total)
    checker.match_existing(sheet.rows)
    for row in sheet.rows:
        row.outcome = "refused" if row.errors else "ready"
    report = ImportReport(sheet=sheet, checker=checker)
    report.counts = _count(sheet)
    return report


@collector_paused()
@transaction.atomic
def write_sheet(
    *,
    actor,
    report: ImportReport,
    on_progress: Callable[[str, int, int], None] | None = None,
) -> None:
    """Write the checked report's valid rows in one transaction (the caller's, if any)."""
    progress = on_progress or (lambda phase, done, total: None)
    sheet, community = report.sheet, report.checker.community
    total = len(sheet.rows)
    writer = _Writer(actor, community, report.checker)
    for done, row in enumerate(sheet.rows, start=1):
        row.outcome = "refused" if row.errors else writer.write(row)
        if done % FLUSH_EVERY == 0 or done == total:
            writer.flush()
            progress("import", done, total)
    writer.finish()
    report.counts = _count(sheet)
    audit_record(
        actor=actor,
        action="residents.import",
        target_type="region",
        target_id=community.pk,
        detail=report.counts,
    )
    report.committed = True


def _count(sheet: Sheet) -> dict[str, int]:
    counts: dict[str, int] = {}
    for row in sheet.rows:
        counts[row.outcome] = counts.get(row.outcome, 0) + 1
    return counts


class _Writer:
    """Writes valid rows through the bulk adapter (COPY on PostgreSQL) with ids from the
    tables' sequences: new people in batches with their new dwellings and households, phones
    and tags; changed residents and their history in bulk at the end; the region counts once
    per micro-grid at the end (updating the same count rows per batch would pile up row
    versions in one long transaction)."""

    def __init__(self, actor, community: Region, checker: _Checker):
        self.actor = actor
        self.checker = checker
        self.grid_paths = dict(
            Region.objects.filter(path__startswith=community.path).values_list("pk", "path")
        )
        self.now = connection.ops.adapt_datetimefield_value(timezone.now())
        self.dwellings: dict[tuple[int, str, str, str], int] = {}  # created by this import
        # dwelling id → (household id, micro-grid id, region path)
        self.households: dict[int, tuple[int, int, str]] = {}
        units = Unit.objects.filter(building__estate__community=community)
        self.units: dict[tuple[int, str, str], int] = {
            (estate, building, unit): pk
            for pk, estate, building, unit in units.values_list(
                "pk", "building__estate_id", "building__number", "number"
            )
        }
        self.pending: list[SheetRow] = []
        self.added: Counter[tuple[int, str]] = Counter()
        self.changed: list[tuple[Resident, list[str]]] = []
        self.new_tags: list[ResidentTag] = []
        self.new_phones: list[ResidentPhone] = []

    def write(self, row: SheetRow) -> str:
        if row.existing is not None:
            return self._update(row)
        self.pending.append(row)
        return "created"

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        self._new_dwellings(rows)
        self._households(rows)
        resident_ids = bulk.allocate_ids(Resident, len(rows))
        values, phones, tags = [], [], []
        for pk, row in zip(resident_ids, rows, strict=True):
            household_id, grid, path = self.households[self._dwelling_id(row.target)]
            facts = row.facts
            values.append(
                resident_values(
                    pk=pk,
                    household_id=household_id,
                    micro_grid_id=grid,
                    region_path=path,
                    name=row.values["name"],
                    id_number=facts.number,
                    sex=facts.sex,
                    birth_date=facts.birth_date,
                    registered_address="",
                    residence_type=row.residence,
                    relation_to_head=row.relation,
                    moved_in_on=None,
                    now=self.now,
                    id_index=row.id_index,
                )
            )
            if row.phone:
                phones.append((pk, row.phone))
            tags += [(pk, tag.pk) for tag in row.tag_list]
            self.added[(grid, "resident_count")] += 1
        bulk.insert_rows(Resident, RESIDENT_COLUMNS, values)
        phone_ids = bulk.allocate_ids(ResidentPhone, len(phones))
        bulk.insert_rows(
            ResidentPhone,
            PHONE_COLUMNS,
            (
                phone_values(pk=pk, resident_id=resident_id, label="own", number=number)
                for pk, (resident_id, number) in zip(phone_ids, phones, strict=True)
            ),
        )
        tag_ids = bulk.allocate_ids(ResidentTag, len(tags))
        bulk.insert_rows(
            ResidentTag,
            TAG_COLUMNS,
            (
                (pk, resident_id, tag_id, "", None)
                for pk, (resident_id, tag_id) in zip(tag_ids, tags, strict=True)
            ),
        )

    def finish(self) -> None:
        self.flush()
        self._save_changes()
        per_grid: dict[int, dict[str, int]] = {}
        for (grid, field_name), count in self.added.items():
            per_grid.setdefault(grid, {})[field_name] = count
        for grid, deltas in per_grid.items():
            region_counts_add(micro_grid_id=grid, path=self.grid_paths[grid], **deltas)

    def _dwelling_id(self, target: Target) -> int:
        return target.dwelling_id or self.dwellings[target.key]

    def _new_dwellings(self, rows: list[SheetRow]) -> None:
        wanted = {
            r.target.key: r.target
            for r in rows
            if r.target.dwelling_id is None and r.target.key not in self.dwellings
        }
        ids = bulk.allocate_ids(Dwelling, len(wanted))
        values = []
        for pk, (key, target) in zip(ids, wanted.items(), strict=True):
            a = target.address
            values.append(
                (
                    pk,
                    self._unit_id(target),
                    a.room,
                    target.micro_grid_id,
                    self.grid_paths[target.micro_grid_id],
                    format_address(target.estate.name, a.building, a.unit, a.room),
                )
            )
            self.dwellings[key] = pk
            self.added[(target.micro_grid_id, "dwelling_count")] += 1
        bulk.insert_rows(
            Dwelling, ["id", "unit_id", "room", "micro_grid_id", "region_path", "address"], values
        )

    def _unit_id(self, target: Target) -> int:
        a = target.address
        key = (target.estate.pk, a.building, a.unit)
        if key not in self.units:
            building = building_get_or_create(estate=target.estate, number=a.building)
            self.units[key] = unit_get_or_create(building=building, number=a.unit).pk
        return self.units[key]

    def _households(self, rows: list[SheetRow]) -> None:
        """The household each row's person joins: the dwelling's oldest, or a new one."""
        needed: dict[int, int] = {}  # dwelling id → its micro-grid id
        registered = []  # dwellings that were there before this import, and may have a household
        for row in rows:
            dwelling_id = self._dwelling_id(row.target)
            if dwelling_id not in self.households and dwelling_id not in needed:
                needed[dwelling_id] = row.target.micro_grid_id
                if row.target.dwelling_id is not None:
                    registered.append(dwelling_id)
        for start in range(0, len(registered), 1000):
            known = Household.objects.filter(dwelling_id__in=registered[start : start + 1000])
            for pk, dwelling_id, grid, path in known.order_by("-id").values_list(
                "pk", "dwelling_id", "micro_grid_id", "region_path"
            ):
                self.households[dwelling_id] = (pk, grid, path)  # the oldest one wins
                needed.pop(dwelling_id, None)
        ids = bulk.allocate_ids(Household, len(needed))
        values = []
        for pk, (dwelling_id, grid) in zip(ids, needed.items(), strict=True):
            path = self.grid_paths[grid]
            self.households[dwelling_id] = (pk, grid, path)
            self.added[(grid, "household_count")] += 1
            values.append((pk, dwelling_id, grid, path, self.now))
        bulk.insert_rows(
            Household, ["id", "dwelling_id", "micro_grid_id", "region_path", "created_at"], values
        )

    def _update(self, row: SheetRow) -> str:
        """Bring an imported-before resident in line with the sheet; note what changed."""
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
        have_tags = self.checker.existing_tags.get(resident.pk, set())
        added_tags = {t.pk for t in row.tag_list} - have_tags
        if added_tags:
            self.new_tags += [ResidentTag(resident=resident, tag_id=t) for t in added_tags]
            have_tags |= added_tags  # the same person twice in one sheet is refused anyway
            changed.append(str(_("人群标签")))
        phone = row.phone
        if phone:
            have_phones = self.checker.existing_phones.setdefault(resident.pk, set())
            if crypto.blind_index(phone) not in have_phones:
                self.new_phones.append(phone_row(resident, phone, "own"))
                have_phones.add(crypto.blind_index(phone))
                changed.append(str(_("电话")))
        if not changed:
            return "unchanged"
        resident.name_pinyin, resident.name_initials = name_pinyin(resident.name)
        resident.updated_at = timezone.now()
        self.changed.append((resident, changed))
        return "updated"

    def _save_changes(self) -> None:
        if not self.changed:
            return
        Resident.objects.bulk_update(
            [r for r, _fields in self.changed],
            [
                "name",
                "name_pinyin",
                "name_initials",
                "relation_to_head",
                "residence_type",
                "updated_at",
            ],
            batch_size=500,
        )
        ResidentTag.objects.bulk_create(self.new_tags)
        ResidentPhone.objects.bulk_create(self.new_phones)
        today = timezone.localdate()
        LifeEvent.objects.bulk_create(
            LifeEvent(
                resident=resident,
                kind=LifeEventKind.UPDATED,
                actor=self.actor,
                occurred_on=today,
                note=_("导入更新:%(fields)s") % {"fields": "、".join(fields)},
            )
            for resident, fields in self.changed
        )


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
