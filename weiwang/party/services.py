"""Writes for Party building: organisations on the grid, members (identity shown, dual
registration), 党员中心户, employer units, and the needs list as moves kept as data."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.core.errors import ApplicationError
from weiwang.party.models import (
    CentralHousehold,
    Need,
    NeedStatus,
    OrgLevel,
    PartyMember,
    PartyOrganisation,
    Relation,
    Unit,
)
from weiwang.regions.models import RegionLevel

# Which region level each organisation level mirrors, and the level of its parent.
ORG_REGION = {
    OrgLevel.COMMITTEE: (RegionLevel.COMMUNITY, None),
    OrgLevel.BRANCH: (RegionLevel.GRID, OrgLevel.COMMITTEE),
    OrgLevel.GROUP: (RegionLevel.MICRO_GRID, OrgLevel.BRANCH),
}


@transaction.atomic
def organisation_create(*, actor, region, level: str, name: str = "") -> PartyOrganisation:
    """An organisation for a community, grid or micro-grid, under the one of the region above."""
    if level not in ORG_REGION:
        raise ApplicationError(_("请选择党组织层级。"), code="level")
    region_level, parent_level = ORG_REGION[level]
    if region.level != region_level:
        raise ApplicationError(
            _("%(level)s对应的区域应是%(region)s。")
            % {"level": OrgLevel(level).label, "region": RegionLevel(region_level).label},
            code="region",
        )
    parent = None
    if parent_level is not None:
        parent = PartyOrganisation.objects.filter(
            region_id=region.parent_id, level=parent_level
        ).first()
        if parent is None:
            raise ApplicationError(_("请先建立上一级党组织。"), code="parent")
    if PartyOrganisation.objects.filter(region=region, level=level).exists():
        raise ApplicationError(_("这个区域已经有这一级党组织了。"), code="exists")
    default = {
        OrgLevel.COMMITTEE: _("%(name)s党委"),
        OrgLevel.BRANCH: _("%(name)s党支部"),
        OrgLevel.GROUP: _("%(name)s党小组"),
    }[level] % {"name": region.name}
    return PartyOrganisation.objects.create(
        name=(name.strip() or default)[:100],
        level=level,
        parent=parent,
        region=region,
        region_path=region.path,
    )


@transaction.atomic
def member_register(
    *,
    actor,
    organisation: PartyOrganisation,
    name: str,
    relation: str = Relation.LOCAL,
    resident=None,
    user=None,
    serves=None,
    skills: str = "",
    available: str = "",
) -> PartyMember:
    if not name.strip():
        raise ApplicationError(_("请填写党员姓名。"), code="name")
    if relation not in Relation.values:
        raise ApplicationError(_("请选择组织关系。"), code="relation")
    if serves is not None and (
        serves.level != RegionLevel.MICRO_GRID
        or not serves.path.startswith(organisation.region_path)
    ):
        raise ApplicationError(_("服务的微网格应在本党组织所在区域内。"), code="serves")
    return PartyMember.objects.create(
        name=name.strip()[:50],
        resident=resident,
        user=user,
        organisation=organisation,
        region_path=organisation.region_path,
        relation=relation,
        serves=serves,
        skills=skills.strip()[:200],
        available=available.strip()[:100],
    )


@transaction.atomic
def identity_show(*, actor, member: PartyMember, on: dt.date | None = None) -> PartyMember:
    """亮身份: the member shows their Party identity (from this date)."""
    if member.identity_shown_on is not None:
        raise ApplicationError(_("这位党员已经亮明身份了。"), code="shown")
    member.identity_shown_on = on or timezone.localdate()
    member.save(update_fields=["identity_shown_on"])
    return member


@transaction.atomic
def unit_register(
    *,
    actor,
    community,
    name: str,
    contact: str = "",
    resources: str = "",
    on: dt.date | None = None,
) -> Unit:
    if not name.strip():
        raise ApplicationError(_("请填写单位名称。"), code="name")
    return Unit.objects.create(
        name=name.strip()[:100],
        community=community,
        region_path=community.path,
        contact=contact.strip()[:50],
        resources=resources.strip()[:300],
        registered_on=on or timezone.localdate(),
    )


@transaction.atomic
def dual_register(
    *, actor, member: PartyMember, unit: Unit, on: dt.date | None = None
) -> PartyMember:
    """双报到: an in-service member and their employer registered with the home community."""
    if member.relation != Relation.DUAL:
        raise ApplicationError(_("只有在职党员需要双报到。"), code="relation")
    if not member.region_path.startswith(unit.region_path):
        raise ApplicationError(_("单位应已向党员所在社区报到。"), code="unit")
    member.unit, member.dual_registered_on = unit, on or timezone.localdate()
    member.save(update_fields=["unit", "dual_registered_on"])
    return member


@transaction.atomic
def central_household_set(*, actor, member: PartyMember, neighbours) -> CentralHousehold:
    """党员中心户: the member's own household looks after these neighbouring households."""
    if member.resident is None:
        raise ApplicationError(_("党员中心户需要先关联党员的居民档案。"), code="resident")
    home = member.resident.household
    near = [h for h in neighbours if h.pk != home.pk]
    if any(h.micro_grid_id != home.micro_grid_id for h in near):
        raise ApplicationError(_("联系的住户应在党员中心户所在的微网格。"), code="neighbours")
    central, _created = CentralHousehold.objects.update_or_create(
        member=member, defaults={"household": home}
    )
    central.neighbours.set(near)
    return central


@transaction.atomic
def need_post(*, actor, community, title: str, description: str = "") -> Need:
    """群众点单: a resident or worker posts a need for members or units to take."""
    if not title.strip():
        raise ApplicationError(_("请写明需要什么帮助。"), code="title")
    return Need.objects.create(
        title=title.strip()[:100],
        description=description.strip(),
        community=community,
        region_path=community.path,
        posted_by=actor,
    )


# The moves of a need: name → (states it may start from, state it ends in).
NEED_MOVES: dict[str, tuple[set[str], str]] = {
    "claim": ({NeedStatus.OPEN}, NeedStatus.CLAIMED),
    "done": ({NeedStatus.CLAIMED}, NeedStatus.DONE),
    "rate": ({NeedStatus.DONE}, NeedStatus.RATED),
    "withdraw": ({NeedStatus.OPEN}, NeedStatus.WITHDRAWN),
}


@transaction.atomic
def need_move(
    *,
    actor,
    need: Need,
    move: str,
    member: PartyMember | None = None,
    unit: Unit | None = None,
    note: str = "",
    rating: int | None = None,
) -> Need:
    """党员接单 (a member, or staff for a unit), mark done, 群众评单 (the poster rates 1–5),
    or withdraw; the caller has checked who may make the move."""
    if move not in NEED_MOVES:
        raise ApplicationError(_("没有这个操作。"), code="move")
    need = Need.objects.select_for_update().get(pk=need.pk)
    sources, target = NEED_MOVES[move]
    if need.status not in sources:
        raise ApplicationError(
            _("这条需求现在是“%(state)s”,不能这样操作。") % {"state": need.get_status_display()},
            code="state",
        )
    fields = ["status"]
    if move == "claim":
        if (member is None) == (unit is None):
            raise ApplicationError(_("请由一位党员或一个报到单位接单。"), code="claimer")
        need.member, need.unit, need.claimed_at = member, unit, timezone.now()
        fields += ["member", "unit", "claimed_at"]
    elif move == "done":
        need.done_at, need.done_note = timezone.now(), note.strip()[:300]
        fields += ["done_at", "done_note"]
    elif move == "rate":
        if rating not in (1, 2, 3, 4, 5):
            raise ApplicationError(_("请打 1 到 5 分。"), code="rating")
        need.rating, need.rating_comment = rating, note.strip()[:300]
        fields += ["rating", "rating_comment"]
    need.status = target
    need.save(update_fields=fields)
    return need
