"""Importing a community's resident sheet (.xlsx, .xls, .csv in UTF-8 or GBK).

Reading finds the header row among the first rows (title rows and blank rows above it are
common), matches headers by their usual Chinese names, and normalises full-width characters.
Each row is checked and gets reasons a person understands; `import_rows` then writes all rows
or only the valid ones in one transaction, so an interrupted import leaves nothing behind and
running it again finishes the job: a row already imported changes nothing, a changed row
updates the resident and records the change in their history.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core import crypto
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import IdNumberFacts, normalise_phone, parse_id_number
from weiwang.people.models import (
    Household,
    LifeEvent,
    LifeEventKind,
    PopulationTag,
    Relation,
    ResidenceType,
    Resident,
    ResidentPhone,
    ResidentTag,
)
from weiwang.people.services import phone_row, resident_build
from weiwang.regions.models import Dwelling, Estate, Region
from weiwang.regions.services import (
    building_get_or_create,
    format_address,
    region_counts_add,
    unit_get_or_create,
)

HEADER_SCAN_ROWS = 10
PROGRESS_EVERY = 200

# Column → the header names real sheets use for it (compared after normalising).
SYNONYMS: dict[str, tuple[str, ...]] = {
    "name": ("姓名", "名字", "居民姓名", "人员姓名"),
    "id_number": ("身份证号", "公民身份号码", "身份证号码", "证件号码", "身份证", "证件号"),
    "phone": ("联系电话", "手机号", "手机号码", "手机", "电话", "联系方式"),
    "estate": ("小区", "小区名称", "院落", "小区院落"),
    "building": ("楼栋", "栋", "楼号", "栋号", "幢"),
    "unit": ("单元", "单元号"),
    "room": ("房号", "门牌号", "室号", "房间号"),
    "address": ("住址", "地址", "现住址", "居住地址", "家庭住址"),
    "relation": ("与户主关系", "关系", "家庭关系"),
    "residence_type": ("人员类型", "居住类型", "常住/流动", "人口类型", "户籍类型"),
    "tags": ("标签", "特殊人群", "人群类别", "人群标签"),
}
RELATIONS = {
    **{str(label): value for value, label in Relation.choices},
    "本人": Relation.HEAD,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
}
RESIDENCE = {
    "常住": ResidenceType.PERMANENT,
    "户籍": ResidenceType.PERMANENT,
    "常住人口": ResidenceType.PERMANENT,
    "户籍人口": ResidenceType.PERMANENT,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "租住": ResidenceType.FLOATING,
}
CHINESE_DIGITS = {
    "零": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
ADDRESS_FORMS = [
    # 汉嘉国际社区3栋2单元1201(室)
    re.compile(
        r"^(?P<estate>.*?)(?P<building>\d+)(?:栋|幢|号楼)(?P<unit>\d+)单元(?P<room>\d+)[室号]?$"
    ),
    # 汉嘉国际社区 3-2-1201
    re.compile(r"^(?P<estate>.*?)(?P<building>\d+)-(?P<unit>\d+)-(?P<room>\d+)$"),
]
TAG_SEPARATORS = re.compile(r"[、,;/\s]+")


class UnreadableFile(Exception):
    """The file is not a sheet this importer can read; the message says why."""


@dataclass
class SheetRow:
    line: int  # the row number a person sees in the sheet
    raw: list[str]
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # ready / created / updated / unchanged / refused
    # What checking understood; read by the writer.
    facts: IdNumberFacts | None = None
    phone: str = ""
    relation: str = Relation.HEAD
    residence: str = ResidenceType.PERMANENT
    tag_list: list[PopulationTag] = field(default_factory=list)
    target: Target | None = None
    existing: Resident | None = None


@dataclass
class Sheet:
    header: list[str]
    columns: dict[str, int]  # field → column index
    rows: list[SheetRow]

    @property
    def unknown_headers(self) -> list[str]:
        used = set(self.columns.values())
        return [h for i, h in enumerate(self.header) if h and i not in used]


def normalise(text: object) -> str:
    """Full-width digits and letters to half-width, spaces trimmed."""
    if text is None:
        return ""
    if isinstance(text, float) and text.is_integer():
        text = int(text)
    return unicodedata.normalize("NFKC", str(text)).strip()


def _header_key(text: str) -> str:
    return re.sub(r"[\s*::()()]", "", normalise(text))


def match_columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, title in enumerate(header):
        key = _header_key(title)
        for name, synonyms in SYNONYMS.items():
            if name not in columns and key in synonyms:
                columns[name] = index
    return columns


def _raw_rows(path: Path) -> list[list[str]]:
    suffix = path.suffix.lower()
    try:
        if suffix == ".csv":
            return _csv_rows(path.read_bytes())
        if suffix == ".xlsx":
            return _xlsx_rows(path)
        if suffix == ".xls":
            return _xls_rows(path)
    except UnreadableFile:
        raise
    except Exception as error:  # any parser failure means the same to a person
        raise UnreadableFile(_("无法读取文件:%(error)s") % {"error": error}) from None
    raise UnreadableFile(_("只支持 .xlsx、.xls 和 .csv 文件。"))


def _csv_rows(data: bytes) -> list[list[str]]:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return [[normalise(c) for c in row] for row in csv.reader(io.StringIO(text))]
    raise UnreadableFile(_("CSV 文件既不是 UTF-8 也不是 GBK 编码。"))


def _xlsx_rows(path: Path) -> list[list[str]]:
    from openpyxl import load_workbook

    # Not read-only: merged cells are only known to a full workbook.
    sheet = load_workbook(path, data_only=True).active
    merged = {}
    for cells in sheet.merged_cells.ranges:
        value = sheet.cell(cells.min_row, cells.min_col).value
        for row in range(cells.min_row, cells.max_row + 1):
            for col in range(cells.min_col, cells.max_col + 1):
                merged[(row, col)] = value
    rows = []
    for r, row in enumerate(sheet.iter_rows(values_only=True), start=1):
        rows.append([normalise(merged.get((r, c), v)) for c, v in enumerate(row, start=1)])
    return rows


def _xls_rows(path: Path) -> list[list[str]]:
    import xlrd

    book = xlrd.open_workbook(str(path), formatting_info=True)
    sheet = book.sheet_by_index(0)
    merged = {}
    for top, bottom, left, right in sheet.merged_cells:
        value = sheet.cell_value(top, left)
        for row in range(top, bottom):
            for col in range(left, right):
                merged[(row, col)] = value
    return [
        [normalise(merged.get((r, c), sheet.cell_value(r, c))) for c in range(sheet.ncols)]
        for r in range(sheet.nrows)
    ]


def read_sheet(
    path: Path, columns: dict[str, int] | None = None, *, require_identity: bool = True
) -> Sheet:
    """Read a sheet; `columns` overrides how headers were understood (the mapping step).

    Without `require_identity` a header with two known columns is enough, so that staff can
    point out the name and ID-number columns afterwards.
    """
    raw = _raw_rows(path)
    best, best_index = {}, -1
    for index, row in enumerate(raw[:HEADER_SCAN_ROWS]):
        found = match_columns(row)
        if len(found) > len(best):
            best, best_index = found, index
    if len(best) < 2 and not columns:
        raise UnreadableFile(_("没有找到表头:前 10 行中应有“姓名”和“身份证号”两列。"))
    header = raw[best_index]
    mapping = columns if columns is not None else best
    if require_identity and ("name" not in mapping or "id_number" not in mapping):
        raise UnreadableFile(_("请指定“姓名”和“身份证号”所在的列。"))
    rows = []
    for offset, cells in enumerate(raw[best_index + 1 :], start=best_index + 2):
        if not any(cells):
            continue
        values = {name: cells[i] if i < len(cells) else "" for name, i in mapping.items()}
        rows.append(SheetRow(line=offset, raw=cells, values=values))
    return Sheet(header=header, columns=mapping, rows=rows)


def _chinese_number(chars: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 二十三 → 23; other text is returned unchanged."""
    if not chars or any(c not in CHINESE_DIGITS and c != "十" for c in chars):
        return chars
    if "十" not in chars:
        return "".join(str(CHINESE_DIGITS[c]) for c in chars)
    tens, _sep, ones = chars.partition("十")
    return str(CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(ones, 0))


def _numerals(text: str) -> str:
    """三栋二单元 → 3栋2单元."""
    return re.sub(
        r"[零一二两三四五六七八九十]+(?=栋|幢|号楼|单元)",
        lambda m: _chinese_number(m.group(0)),
        text,
    )


def _column_number(value: str, suffix: str) -> str:
    return _chinese_number(re.sub(suffix + "$", "", re.sub(r"\s+", "", value)))


@dataclass(frozen=True)
class Address:
    estate: str
    building: str
    unit: str
    room: str


def parse_address(values: dict[str, str]) -> Address:
    """From separate columns, or from one address written in the usual ways."""
    estate = values.get("estate", "")
    if values.get("building") and values.get("unit") and values.get("room"):
        return Address(
            estate=estate,
            building=_column_number(values["building"], "(栋|幢|号楼)"),
            unit=_column_number(values["unit"], "单元"),
            room=_column_number(values["room"], "[室号]"),
        )
    text = re.sub(r"\s+", "", _numerals(values.get("address", "")))
    for form in ADDRESS_FORMS:
        match = form.match(text)
        if match:
            return Address(
                estate=match.group("estate") or estate,
                building=match.group("building"),
                unit=match.group("unit"),
                room=match.group("room"),
            )
    raise ApplicationError(
        _("看不懂地址“%(address)s”,请写成“小区3栋2单元1201”或“3-2-1201”。")
        % {"address": values.get("address", "")},
        code="address",
    )


@dataclass
class Target:
    """Where a valid row goes: an existing dwelling, or one to create in a mapped building."""

    address: Address
    estate: Estate
    dwelling_id: int | None
    micro_grid_id: int

    @property
    def key(self) -> tuple[int, str, str, str]:
        a = self.address
        return (self.estate.pk, a.building, a.unit, a.room)


@dataclass
class ImportReport:
    sheet: Sheet
    committed: bool = False
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def refused(self) -> list[SheetRow]:
        return [row for row in self.sheet.rows if row.errors]


class _Checker:
    """Per-row validation with the lookups the rows share cached."""

    def __init__(self, community: Region):
        self.community = community
        self.estates = {e.name: e for e in Estate.objects.filter(community=community)}
        self.tags = {t.name: t for t in PopulationTag.objects.filter(active=True)}
        self.seen_ids: dict[str, int] = {}
        # Every dwelling of the community once, instead of queries per row.
        self.dwellings: dict[tuple[int, str, str, str], tuple[int, int]] = {}
        self.unit_grid: dict[tuple[int, str, str], int] = {}
        self.building_grid: dict[tuple[int, str], int] = {}
        rows = Dwelling.objects.filter(unit__building__estate__community=community).values_list(
            "pk",
            "unit__building__estate_id",
            "unit__building__number",
            "unit__number",
            "room",
            "micro_grid_id",
        )
        for pk, estate, building, unit, room, grid in rows:
            self.dwellings[(estate, building, unit, room)] = (pk, grid)
            self.unit_grid.setdefault((estate, building, unit), grid)
            self.building_grid.setdefault((estate, building), grid)
        self.existing: dict[str, Resident] = {}

    def preload_residents(self, rows: list[SheetRow]) -> None:
        """Residents already registered under the sheet's ID numbers, a thousand at a time."""
        indexes = []
        for row in rows:
            try:
                indexes.append(
                    crypto.blind_index(parse_id_number(row.values.get("id_number", "")).number)
                )
            except ApplicationError:
                continue
        for start in range(0, len(indexes), 1000):
            found = Resident.objects.filter(id_number_index__in=indexes[start : start + 1000])
            for resident in found.select_related("household__dwelling"):
                self.existing[resident.id_number_index] = resident

    def check(self, row: SheetRow) -> None:
        values, errors = row.values, row.errors
        if not values.get("name"):
            errors.append(_("缺少姓名。"))
        row.facts = self._id_number(row)
        if values.get("phone"):
            try:
                row.phone = normalise_phone(values["phone"])
            except ApplicationError as error:
                errors.append(error.message)
        row.relation = self._choice(
            values.get("relation", ""), RELATIONS, Relation.HEAD, _("与户主关系"), errors
        )
        row.residence = self._choice(
            values.get("residence_type", ""),
            RESIDENCE,
            ResidenceType.PERMANENT,
            _("人员类型"),
            errors,
        )
        row.tag_list = self._tags(values.get("tags", ""), errors)
        row.target = self._target(values, errors)
        if row.facts and row.target:
            self._existing(row)

    def _id_number(self, row: SheetRow):
        try:
            facts = parse_id_number(row.values.get("id_number", ""))
        except ApplicationError as error:
            row.errors.append(error.message)
            return None
        first = self.seen_ids.setdefault(facts.number, row.line)
        if first != row.line:
            row.errors.append(_("与第 %(line)d 行的身份证号重复。") % {"line": first})
        return facts

    @staticmethod
    def _choice(text: str, table: dict, default: str, label: str, errors: list[str]) -> str:
        if not text:
            return default
        if text not in table:
            errors.append(_("%(label)s“%(value)s”无法识别。") % {"label": label, "value": text})
            return default
        return table[text]

    def _tags(self, text: str, errors: list[str]) -> list[PopulationTag]:
        tags = []
        for name in filter(None, TAG_SEPARATORS.split(text)):
            if name in self.tags:
                tags.append(self.tags[name])
            else:
                errors.append(_("没有名为“%(name)s”的人群标签。") % {"name": name})
        return tags

    def _target(self, values: dict[str, str], errors: list[str]) -> Target | None:
        try:
            address = parse_address(values)
        except ApplicationError as error:
            errors.append(error.message)
            return None
        estate = self.estates.get(address.estate) or next(
            (e for name, e in self.estates.items() if address.estate.startswith(name)), None
        )
        if estate is None:
            errors.append(
                _("小区“%(estate)s”不在%(community)s,请先在系统中登记该小区。")
                % {"estate": address.estate or "?", "community": self.community.name}
            )
            return None
        found = self.dwellings.get((estate.pk, address.building, address.unit, address.room))
        if found is not None:
            return Target(address, estate, found[0], found[1])
        # A new dwelling joins the micro-grid its unit (or else its building) already belongs to.
        grid = self.unit_grid.get((estate.pk, address.building, address.unit)) or (
            self.building_grid.get((estate.pk, address.building))
        )
        if grid is None:
            errors.append(
                _("%(estate)s%(building)s栋还没有划入微网格,请先划分后再导入。")
                % {"estate": estate.name, "building": address.building}
            )
            return None
        return Target(address, estate, None, grid)

    def _existing(self, row: SheetRow) -> None:
        row.existing = self.existing.get(crypto.blind_index(row.facts.number))
        if row.existing is None:
            return
        if row.existing.household.dwelling_id != row.target.dwelling_id:
            row.errors.append(
                _("该身份证号已登记在“%(address)s”的住户中;搬迁请在居民页登记。")
                % {"address": row.existing.household.dwelling.address}
            )


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
    for row in report.sheet.rows:
        sheet.append([*row.raw, "".join(row.errors)])
    workbook.save(out)


def refused_lines(report: ImportReport) -> Iterable[str]:
    for row in report.refused:
        yield _("第 %(line)d 行:%(reasons)s") % {"line": row.line, "reasons": "".join(row.errors)}
