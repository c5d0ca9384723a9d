"""Addresses as people write them: 3栋2单元1201, 3-2-1201, 三栋二单元1201室, or columns."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from weiwang.core.errors import ApplicationError

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


def _chinese_number(chars: str) -> str:
    """一 → 1, 十二 → 12, 二十 → 20, 二十三 → 23; other text is returned unchanged."""
    if not chars or any(c not in CHINESE_DIGITS and c != "十" for c in chars):
        return chars
    if "十" not in chars:
        return "".join(str(CHINESE_DIGITS[c]) for c in chars)
    tens, _sep, ones = chars.partition("十")
    return str(CHINESE_DIGITS.get(tens, 1) * 10 + CHINESE_DIGITS.get(ones, 0))


_CHINESE_NUMERAL = re.compile(r"[零一二两三四五六七八九十]+(?=栋|幢|号楼|单元)")
_SPACES = re.compile(r"\s+")


def numerals_to_digits(text: str) -> str:
    """三栋二单元 → 3栋2单元."""
    return _CHINESE_NUMERAL.sub(lambda m: _chinese_number(m.group(0)), text)


def _column_number(value: str, suffix: str) -> str:
    return _chinese_number(re.sub(suffix + "$", "", _SPACES.sub("", value)))


@dataclass(frozen=True, slots=True)
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
    text = _SPACES.sub("", numerals_to_digits(values.get("address", "")))
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
