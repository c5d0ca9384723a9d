from __future__ import annotations

import datetime as dt

import pytest

from weiwang.conftest import ZHANG_SAN_ID
from weiwang.core.errors import ApplicationError
from weiwang.people.services import resident_create


def test_sex_and_birth_date_come_from_the_id_number(world):
    zhang = world.residents["zhangsan"]
    assert zhang.sex == "male" and zhang.birth_date == dt.date(1965, 3, 3)
    assert zhang.name_pinyin == "zhangsan" and zhang.name_initials == "zs"


def test_invalid_id_number_is_refused_and_nothing_is_saved(world):
    household = world.residents["zhangsan"].household
    before = household.members.count()
    with pytest.raises(ApplicationError, match="校验位"):
        resident_create(
            actor=None, household=household, name="错号", id_number="510121196503031235"
        )
    assert household.members.count() == before


def test_the_same_id_number_cannot_be_registered_twice(world):
    household = world.residents["wangwu"].household
    with pytest.raises(ApplicationError, match="已登记"):
        resident_create(actor=None, household=household, name="张三", id_number=ZHANG_SAN_ID)


def test_registration_is_audited(world):
    from weiwang.audit.models import AuditEntry

    assert AuditEntry.objects.filter(action="resident.create").count() == len(world.residents)
