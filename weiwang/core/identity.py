"""ID-card numbers (GB 11643) and phone numbers: validation, derived facts and masking."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from django.utils.translation import gettext as _
from stdnum.cn import ric
from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength

from weiwang.core.errors import ApplicationError

MALE = "male"
FEMALE = "female"
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}$")


@dataclass(frozen=True)
class IdNumberFacts:
    number: str
    birth_date: dt.date
    sex: str


def parse_id_number(raw: str) -> IdNumberFacts:
    """Validate an 18-digit resident ID number and derive birth date and sex from it."""
    number = ric.compact(raw or "").upper()
    try:
        ric.validate(number)
    except InvalidLength:
        raise ApplicationError(
            _("身份证号应为 18 位,现在是 %(count)d 位,请核对后重新输入。") % {"count": len(number)},
            code="id_number_length",
        ) from None
    except InvalidFormat:
        raise ApplicationError(
            _("身份证号前 17 位只能是数字,最后一位是数字或 X。"), code="id_number_format"
        ) from None
    except InvalidChecksum:
        raise ApplicationError(
            _("身份证号校验位不正确,可能有一位输错了,请对照证件核对。"), code="id_number_checksum"
        ) from None
    except InvalidComponent:
        raise ApplicationError(
            _("身份证号中的出生日期或地区码无效,请对照证件核对。"), code="id_number_component"
        ) from None
    sex = MALE if int(number[16]) % 2 == 1 else FEMALE
    return IdNumberFacts(number=number, birth_date=ric.get_birth_date(number), sex=sex)


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
