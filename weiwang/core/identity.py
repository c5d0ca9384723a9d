"""ID-card numbers (GB 11643) and phone numbers: validation, derived facts and masking."""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import numdb
from stdnum.cn import ric
from stdnum.util import isdigits

from weiwang.core.errors import ApplicationError

MALE = "male"
FEMALE = "female"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass(frozen=True, slots=True)
class IdNumberFacts:
    number: str
    birth_date: dt.date
    sex: str


def parse_id_number(raw: str) -> IdNumberFacts:
    """Validate an 18-digit resident ID number and derive birth date and sex from it.

    The same checks as `stdnum.cn.ric.validate` (length, digits, check digit, birth date, a
    region code in use in the birth year), with the region lookup cached per code: a
    community's sheet has thousands of rows but few distinct codes. A birth date in the future
    is refused too.
    """
    raw = raw or ""
    # The common case (18 plain characters) skips stdnum's character-by-character cleaning.
    number = raw.upper() if len(raw) == 18 and raw.isascii() else ric.compact(raw).upper()
    if len(number) != 18:
        raise ApplicationError(
            _("身份证号应为 18 位,现在是 %(count)d 位,请核对后重新输入。") % {"count": len(number)},
            code="id_number_length",
        )
    if not isdigits(number[:-1]):
        raise ApplicationError(
            _("身份证号前 17 位只能是数字,最后一位是数字或 X。"), code="id_number_format"
        )
    if number[-1] != ric.calc_check_digit(number):
        raise ApplicationError(
            _("身份证号校验位不正确,可能有一位输错了,请对照证件核对。"), code="id_number_checksum"
        )
    try:
        birth_date = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth_date = None
    if (
        birth_date is None
        # (the local date is only worked out for the rare birth date near today)
        or (birth_date.year >= dt.date.today().year - 1 and birth_date > timezone.localdate())
        or not _region_code_in_use(number[:6], birth_date.year)
    ):
        raise ApplicationError(
            _("身份证号中的出生日期或地区码无效,请对照证件核对。"), code="id_number_component"
        )
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdNumberFacts(number=number, birth_date=birth_date, sex=sex)


@functools.lru_cache(maxsize=65536)
def _region_code_in_use(code: str, year: int) -> bool:
    """Whether `code` named a county in `year`, as `stdnum.cn.ric.get_birth_place` decides."""
    return any(
        (start is None or year >= start) and (end is None or year <= end)
        for start, end in _region_code_years(code)
    )


@functools.lru_cache(maxsize=8192)
def _region_code_years(code: str) -> tuple[tuple[int | None, int | None], ...]:
    """The spans of years in which a county had this code (open ends as None); empty when the
    code is unknown. One lookup in stdnum's table of codes per code."""
    results = numdb.get("cn/loc").info(code)
    info = {k: v for _part, props in results for k, v in props.items()}
    if not info:
        return ()
    spans = []
    for county in info["county"].split(","):
        if not county.startswith("["):
            return ((None, None),)
        years, _name = county[1:].split("]")
        start, end = years.split("-")
        spans.append((int(start) if start else None, int(end) if end else None))
    return tuple(spans)


def normalise_phone(raw: str) -> str:
    phone = re.sub(r"[\s()]", "", raw or "")
    if phone.startswith("+86"):
        phone = phone[3:]
    if not (_MOBILE.match(phone) or _LANDLINE.match(phone)):
        raise ApplicationError(
            _("电话号码格式不正确:手机号为 1 开头的 11 位数字,座机如 028-83912345。"),
            code="phone_format",
        )
    return phone


def mask_id_number(number: str) -> str:
    """First 4 and last 4 characters visible: 5101**********1234."""
    if len(number) <= 8:
        return "*" * len(number)
    return number[:4] + "*" * (len(number) - 8) + number[-4:]


def mask_phone(phone: str) -> str:
    """First 3 and last 4 digits visible: 138****5678."""
    digits = phone.replace("-", "")
    if len(digits) <= 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
