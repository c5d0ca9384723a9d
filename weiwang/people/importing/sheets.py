"""Reading a sheet: find the header under title rows, match Chinese header names, normalise
full-width characters and merged cells."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from weiwang.core.collector import collector_paused
from weiwang.core.identity import IdNumberFacts
from weiwang.people.models import (
    PopulationTag,
    Relation,
    ResidenceType,
    Resident,
)

if TYPE_CHECKING:
    from weiwang.people.importing.checking import Target

HEADER_SCAN_ROWS = 10

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


class UnreadableFile(Exception):
    """The file is not a sheet this importer can read; the message says why."""


@dataclass(slots=True)
class SheetRow:
    line: int  # the row number a person sees in the sheet
    raw: list[str]
    values: dict[str, str]
    errors: list[str] = field(default_factory=list)
    outcome: str = ""  # ready / created / updated / unchanged / refused
    # What checking understood; read by the writer.
    facts: IdNumberFacts | None = None
    id_index: str = ""  # blind index of the ID number
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
    if isinstance(text, str):
        if text.isascii():  # already normal (most ID numbers and phones)
            return text.strip()
    elif text is None:
        return ""
    elif isinstance(text, float) and text.is_integer():
        text = str(int(text))
    else:
        text = str(text)
    return unicodedata.normalize("NFKC", text).strip()


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
        if suffix in (".xlsx", ".xls"):
            return _workbook_rows(path)
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


def _workbook_rows(path: Path) -> list[list[str]]:
    """The first sheet of an .xlsx or .xls workbook, read by calamine (Rust; one reader for
    both formats, many times faster than openpyxl's). A merged cell's value fills its whole
    range, so a household's address merged over its members reaches every member's row."""
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(str(path))
    try:
        sheet = workbook.get_sheet_by_index(0)
        # Rows come from the top of the sheet, columns only from the first one in use.
        first_col = sheet.start[1] if sheet.start else 0
        pad = [""] * first_col
        rows = [pad + row for row in sheet.iter_rows()]
        merged = sheet.merged_cell_ranges or []
    finally:
        workbook.close()
    for (top, left), (bottom, right) in merged:
        if top >= len(rows):
            continue
        first = rows[top]
        value = first[left] if left < len(first) else ""
        for r in range(top, min(bottom, len(rows) - 1) + 1):
            cells = rows[r]
            cells.extend([""] * (right + 1 - len(cells)))
            cells[left : right + 1] = [value] * (right + 1 - left)
    return [[normalise(v) for v in row] for row in rows]


@collector_paused()
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
