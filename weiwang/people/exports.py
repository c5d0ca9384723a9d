"""Residents as an .xlsx sheet (openpyxl, write-only so memory stays flat for large lists)."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from weiwang.core import crypto
from weiwang.people.models import Resident


def _headers() -> list[str]:
    return [
        _("姓名"),
        _("性别"),
        _("出生日期"),
        _("身份证号"),
        _("电话"),
        _("居住地址"),
        _("微网格"),
        _("居住类型"),
        _("与户主关系"),
        _("人群标签"),
    ]


def _row(resident: Resident, *, masked: bool) -> list[object]:
    phones = list(resident.phones.all())
    if masked:
        id_number = resident.id_number_masked
        numbers = [p.number_masked for p in phones]
    else:
        id_number = (
            crypto.decrypt(resident.id_number_encrypted) if resident.id_number_encrypted else ""
        )
        numbers = [crypto.decrypt(p.number_encrypted) for p in phones]
    return [
        resident.name,
        resident.get_sex_display(),
        resident.birth_date,
        id_number,
        "、".join(numbers),
        resident.household.dwelling.address,
        resident.micro_grid.name,
        resident.get_residence_type_display(),
        resident.get_relation_to_head_display(),
        "、".join(link.tag.name for link in resident.tag_links.all()),
    ]


def write_residents_xlsx(
    out: BinaryIO,
    residents: QuerySet[Resident],
    *,
    masked: bool,
    exported_by: str,
    exported_at: dt.datetime,
    note: str = "",
) -> int:
    """Write the sheet, loading what each row shows in chunks; the first rows say what it is,
    who exported it and when."""
    workbook = Workbook(write_only=True)
    workbook.properties.creator = exported_by
    sheet = workbook.create_sheet(_("居民名单"))
    local = timezone.localtime(exported_at)
    title = _("居民名单(已脱敏)") if masked else _("居民名单(含完整证件号和电话,注意保密)")
    sheet.append([title])
    sheet.append(
        [
            _("导出人:%(who)s  导出时间:%(when)s")
            % {"who": exported_by, "when": local.strftime("%Y-%m-%d %H:%M")}
        ]
    )
    if note:
        sheet.append([note])
    sheet.append(_headers())
    count = 0
    rows = (
        residents.select_related("household__dwelling", "micro_grid")
        .prefetch_related("phones", "tag_links__tag")
        .iterator(chunk_size=2000)
    )
    for resident in rows:
        sheet.append(_row(resident, masked=masked))
        count += 1
    workbook.save(out)
    return count
