"""Writes to households and residents: one function per state change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import BinaryIO

from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import Action, can
from weiwang.audit.services import audit_record
from weiwang.core import crypto
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import (
    IdNumberFacts,
    mask_id_number,
    mask_phone,
    normalise_phone,
    parse_id_number,
)
from weiwang.people.exports import write_residents_xlsx
from weiwang.people.models import (
    Household,
    PopulationTag,
    Relation,
    ResidenceType,
    Resident,
    ResidentPhone,
)
from weiwang.people.pinyin import name_pinyin
from weiwang.regions.models import Dwelling
from weiwang.regions.services import region_counts_add


@transaction.atomic
def household_create(*, dwelling: Dwelling) -> Household:
    household = Household.objects.create(
        dwelling=dwelling, micro_grid_id=dwelling.micro_grid_id, region_path=dwelling.region_path
    )
    region_counts_add(
        micro_grid_id=dwelling.micro_grid_id, path=dwelling.region_path, household_count=1
    )
    return household


def phone_row(resident: Resident, raw: str, label: str) -> ResidentPhone:
    number = normalise_phone(raw)
    return ResidentPhone(
        resident=resident,
        label=label,
        number_encrypted=crypto.encrypt(number),
        number_index=crypto.blind_index(number),
        number_masked=mask_phone(number),
        last4=number[-4:],
    )


def resident_build(
    *,
    household: Household,
    name: str,
    facts: IdNumberFacts,
    relation_to_head: str = Relation.HEAD,
    residence_type: str = ResidenceType.PERMANENT,
    registered_address: str = "",
    moved_in_on: dt.date | None = None,
) -> Resident:
    """An unsaved resident with its derived, encrypted and indexed fields (also for bulk use)."""
    pinyin, initials = name_pinyin(name)
    return Resident(
        household=household,
        micro_grid_id=household.micro_grid_id,
        region_path=household.region_path,
        name=name,
        name_pinyin=pinyin,
        name_initials=initials,
        id_number_encrypted=crypto.encrypt(facts.number),
        id_number_index=crypto.blind_index(facts.number),
        id_number_masked=mask_id_number(facts.number),
        sex=facts.sex,
        birth_date=facts.birth_date,
        relation_to_head=relation_to_head,
        residence_type=residence_type,
        registered_address=registered_address,
        moved_in_on=moved_in_on,
    )


@transaction.atomic
def resident_create(
    *,
    actor,
    household: Household,
    name: str,
    id_number: str,
    phones: Iterable[str] = (),
    relation_to_head: str = Relation.HEAD,
    residence_type: str = ResidenceType.PERMANENT,
    registered_address: str = "",
    moved_in_on: dt.date | None = None,
) -> Resident:
    """Register a resident; sex and birth date come from the validated ID number."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("请填写姓名。"), code="name_required")
    facts = parse_id_number(id_number)
    if Resident.objects.filter(id_number_index=crypto.blind_index(facts.number)).exists():
        raise ApplicationError(
            _("该身份证号已登记在系统中,请先查询,避免重复登记。"), code="id_number_duplicate"
        )
    resident = resident_build(
        household=household,
        name=name,
        facts=facts,
        relation_to_head=relation_to_head,
        residence_type=residence_type,
        registered_address=registered_address,
        moved_in_on=moved_in_on,
    )
    phone_rows = [phone_row(resident, raw, ResidentPhone.Label.OWN) for raw in phones if raw]
    try:
        with transaction.atomic():
            resident.save()
    except IntegrityError:
        # A concurrent registration of the same ID number won the race.
        raise ApplicationError(
            _("该身份证号已登记在系统中,请先查询,避免重复登记。"), code="id_number_duplicate"
        ) from None
    ResidentPhone.objects.bulk_create(phone_rows)
    region_counts_add(
        micro_grid_id=household.micro_grid_id, path=household.region_path, resident_count=1
    )
    audit_record(
        actor=actor, action="resident.create", target_type="resident", target_id=resident.pk
    )
    return resident


def resident_reveal(*, actor, resident: Resident, reason: str) -> dict[str, object]:
    """Return the unmasked ID number and phones; needs the permission and leaves an audit entry.

    The caller must have fetched `resident` through the access layer.
    """
    if not can(actor, Action.REVEAL_SENSITIVE):
        raise ApplicationError(_("您没有查看完整证件号和电话的权限。"), code="forbidden")
    reason = reason.strip()
    if len(reason) < 2:
        raise ApplicationError(
            _("请写明查看原因(例如:办理高龄补贴需核对身份证号)。"), code="reason_required"
        )
    phones = list(resident.phones.all())
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="resident.reveal",
            target_type="resident",
            target_id=resident.pk,
            reason=reason,
            detail={"fields": ["id_number", "phones"]},
        )
    return {
        "id_number": crypto.decrypt(resident.id_number_encrypted)
        if resident.id_number_encrypted
        else "",
        "phones": [(p.get_label_display(), crypto.decrypt(p.number_encrypted)) for p in phones],
    }


_TAG_FIELDS = ("name", "purpose", "sensitive", "active")


def _tag_clash(*, code: str, name: str, exclude_pk: int | None = None) -> None:
    others = PopulationTag.objects.exclude(pk=exclude_pk)
    if others.filter(code=code).exists():
        raise ApplicationError(
            _("代码“%(code)s”已被其他标签使用。") % {"code": code}, code="tag_code"
        )
    if others.filter(name=name).exists():
        raise ApplicationError(
            _("名称“%(name)s”已被其他标签使用。") % {"name": name}, code="tag_name"
        )


@transaction.atomic
def tag_create(*, actor, code: str, name: str, purpose: str, sensitive: bool) -> PopulationTag:
    """Add a special-population tag; every tag must say why the platform keeps it (PIPL art. 6)."""
    _tag_clash(code=code, name=name)
    tag = PopulationTag.objects.create(code=code, name=name, purpose=purpose, sensitive=sensitive)
    audit_record(
        actor=actor,
        action="tag.create",
        target_type="tag",
        target_id=tag.pk,
        detail={"code": code, "name": name},
    )
    return tag


@transaction.atomic
def tag_update(
    *, actor, tag: PopulationTag, name: str, purpose: str, sensitive: bool, active: bool
) -> PopulationTag:
    """Rename, re-explain or retire a tag. Tags are never deleted: residents may carry them."""
    _tag_clash(code=tag.code, name=name, exclude_pk=tag.pk)
    tag.name, tag.purpose, tag.sensitive, tag.active = name, purpose, sensitive, active
    tag.save(update_fields=list(_TAG_FIELDS))
    audit_record(
        actor=actor,
        action="tag.update",
        target_type="tag",
        target_id=tag.pk,
        detail={"name": name, "sensitive": sensitive, "active": active},
    )
    return tag


def residents_export(
    *, actor, residents: QuerySet[Resident], out: BinaryIO, description: str
) -> int:
    """Write a masked sheet of residents already scoped by the caller, and audit it."""
    exported_by = getattr(actor, "username", "") or "system"
    count = write_residents_xlsx(
        out,
        residents,
        masked=True,
        exported_by=exported_by,
        exported_at=timezone.now(),
    )
    audit_record(
        actor=actor,
        action="residents.export",
        target_type="residents",
        target_id=description[:64],
        detail={"rows": count, "masked": True},
    )
    return count
