"""Life events as named services: each changes the registry and records one LifeEvent.

Counts on the region tree follow every change, so lists and dashboards stay true.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import parse_id_number
from weiwang.people.models import (
    Household,
    LifeEventKind,
    PopulationTag,
    Relation,
    Resident,
    ResidentStatus,
    ResidentTag,
)
from weiwang.people.models import LifeEvent as Event
from weiwang.people.services import household_create, resident_create
from weiwang.regions.models import Dwelling
from weiwang.regions.services import region_counts_add


def _check_date(occurred_on: dt.date) -> None:
    if occurred_on > timezone.localdate():
        raise ApplicationError(_("日期不能晚于今天。"), code="future_date")


def _record(*, actor, resident: Resident, kind: str, occurred_on: dt.date, **extra) -> Event:
    event = Event.objects.create(
        resident=resident, kind=kind, occurred_on=occurred_on, actor=actor, **extra
    )
    audit_record(
        actor=actor,
        action=f"resident.{kind}",
        target_type="resident",
        target_id=resident.pk,
        detail={"event": event.pk},
    )
    return event


def _require_current(resident: Resident) -> None:
    if resident.status != ResidentStatus.CURRENT:
        raise ApplicationError(
            _("%(name)s 已不在册(%(status)s),不能再登记此变动。")
            % {"name": resident.name, "status": resident.get_status_display()},
            code="not_current",
        )


def _leave(resident: Resident) -> None:
    region_counts_add(
        micro_grid_id=resident.micro_grid_id, path=resident.region_path, resident_count=-1
    )


@transaction.atomic
def resident_move_in(
    *,
    actor,
    dwelling: Dwelling,
    name: str,
    id_number: str,
    occurred_on: dt.date,
    came_from: str = "",
    phones: tuple[str, ...] = (),
    relation: str = Relation.HEAD,
    household: Household | None = None,
    birth: bool = False,
) -> Resident:
    """Someone moves into (or is born into) a dwelling: a new resident and its event."""
    _check_date(occurred_on)
    born = parse_id_number(id_number).birth_date if birth else occurred_on
    if born != occurred_on:
        raise ApplicationError(
            _("出生日期与身份证号中的日期(%(date)s)不一致。") % {"date": born},
            code="birth_date_mismatch",
        )
    household = household or dwelling.households.order_by("id").first()
    if household is None:
        household = household_create(dwelling=dwelling)
    resident = resident_create(
        actor=actor,
        household=household,
        name=name,
        id_number=id_number,
        phones=phones,
        relation_to_head=relation,
        moved_in_on=occurred_on,
    )
    kind = LifeEventKind.BIRTH if birth else LifeEventKind.MOVE_IN
    _record(
        actor=actor,
        resident=resident,
        kind=kind,
        occurred_on=occurred_on,
        dwelling=dwelling,
        place=came_from,
    )
    return resident


@transaction.atomic
def resident_move_out(
    *, actor, resident: Resident, occurred_on: dt.date, destination: str
) -> Resident:
    _require_current(resident)
    _check_date(occurred_on)
    if not destination.strip():
        raise ApplicationError(_("请填写迁出去向(例如:成都市武侯区)。"), code="destination")
    resident.status = ResidentStatus.MOVED_OUT
    resident.save(update_fields=["status", "updated_at"])
    _leave(resident)
    _record(
        actor=actor,
        resident=resident,
        kind=LifeEventKind.MOVE_OUT,
        occurred_on=occurred_on,
        from_dwelling=resident.household.dwelling,
        place=destination.strip(),
    )
    return resident


@transaction.atomic
def resident_death(*, actor, resident: Resident, occurred_on: dt.date, note: str = "") -> Resident:
    _require_current(resident)
    _check_date(occurred_on)
    resident.status = ResidentStatus.DECEASED
    resident.save(update_fields=["status", "updated_at"])
    _leave(resident)
    _record(
        actor=actor,
        resident=resident,
        kind=LifeEventKind.DEATH,
        occurred_on=occurred_on,
        dwelling=resident.household.dwelling,
        note=note,
    )
    return resident


@transaction.atomic
def resident_move_within(
    *, actor, resident: Resident, dwelling: Dwelling, occurred_on: dt.date
) -> Resident:
    """Move to another dwelling; the caller fetched `dwelling` through the access layer."""
    _require_current(resident)
    _check_date(occurred_on)
    old = resident.household.dwelling
    if old.pk == dwelling.pk:
        raise ApplicationError(_("新住址与现住址相同。"), code="same_dwelling")
    household = dwelling.households.order_by("id").first() or household_create(dwelling=dwelling)
    _leave(resident)
    resident.household = household
    resident.micro_grid_id = household.micro_grid_id
    resident.region_path = household.region_path
    resident.moved_in_on = occurred_on
    resident.save(
        update_fields=["household", "micro_grid", "region_path", "moved_in_on", "updated_at"]
    )
    region_counts_add(
        micro_grid_id=household.micro_grid_id, path=household.region_path, resident_count=1
    )
    _record(
        actor=actor,
        resident=resident,
        kind=LifeEventKind.MOVE_WITHIN,
        occurred_on=occurred_on,
        dwelling=dwelling,
        from_dwelling=old,
    )
    return resident


@transaction.atomic
def household_head_change(*, actor, new_head: Resident, occurred_on: dt.date) -> Resident:
    _require_current(new_head)
    if new_head.relation_to_head == Relation.HEAD:
        raise ApplicationError(
            _("%(name)s 已是户主。") % {"name": new_head.name}, code="already_head"
        )
    old_heads = new_head.household.members.filter(relation_to_head=Relation.HEAD)
    old_heads.update(relation_to_head=Relation.OTHER)
    new_head.relation_to_head = Relation.HEAD
    new_head.save(update_fields=["relation_to_head", "updated_at"])
    _record(
        actor=actor,
        resident=new_head,
        kind=LifeEventKind.HEAD_CHANGE,
        occurred_on=occurred_on,
        dwelling=new_head.household.dwelling,
    )
    return new_head


@transaction.atomic
def resident_tag_add(
    *, actor, resident: Resident, tag: PopulationTag, occurred_on: dt.date, note: str = ""
) -> Resident:
    _require_current(resident)
    if ResidentTag.objects.filter(resident=resident, tag=tag).exists():
        raise ApplicationError(_("已有标签“%(tag)s”。") % {"tag": tag.name}, code="tag_exists")
    ResidentTag.objects.create(resident=resident, tag=tag, since=occurred_on, note=note)
    _record(
        actor=actor,
        resident=resident,
        kind=LifeEventKind.TAG_ADDED,
        occurred_on=occurred_on,
        tag=tag,
        note=note,
    )
    return resident


@transaction.atomic
def resident_tag_remove(
    *, actor, resident: Resident, tag: PopulationTag, occurred_on: dt.date, note: str = ""
) -> Resident:
    deleted, _rows = ResidentTag.objects.filter(resident=resident, tag=tag).delete()
    if not deleted:
        raise ApplicationError(_("没有标签“%(tag)s”。") % {"tag": tag.name}, code="tag_missing")
    _record(
        actor=actor,
        resident=resident,
        kind=LifeEventKind.TAG_REMOVED,
        occurred_on=occurred_on,
        tag=tag,
        note=note,
    )
    return resident
