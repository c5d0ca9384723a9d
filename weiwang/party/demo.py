"""Demo Party building for 兴乐社区, with the report's figures coming out of the records: the
community committee and 5 grid branches (and groups in grid 1's micro-grids), 121 members of
whom 84 have shown their identity, 119 in-service members dual-registered with their units,
党员中心户, and needs posted, claimed, done and rated."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction

from weiwang.accounts.models import Role, RoleAssignment, User
from weiwang.party import services
from weiwang.party.models import PartyMember, Relation
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Region

UNITS = [
    ("新都区人民医院", "义诊、健康讲座"),
    ("新都区第一中学", "假期托管、课业辅导"),
    ("国网新都供电公司", "用电安全检查"),
    ("新都区税务局", "个税申报辅导"),
    ("香城体育公园管理处", "场地开放、运动指导"),
    ("新都区公安分局", "反诈宣传"),
    ("中国邮政新都分公司", "代寄代收"),
    ("新都区市场监管局", "食品安全宣传"),
]
NEEDS = [
    ("帮独居老人换灯泡", "rated"),
    ("代买降压药", "rated"),
    ("楼道扶手松动请人看看", "done"),
    ("孩子暑假作业辅导", "claimed"),
    ("教老人用手机挂号", "open"),
    ("帮忙搬一台洗衣机上楼", "open"),
]


@transaction.atomic
def seed_demo_party(community: Region, *, seed: int = 2022) -> int:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    if staff is None:
        return 0
    rng, actor = random.Random(seed), staff.user
    committee = services.organisation_create(actor=actor, region=community, level="committee")
    grids = list(community.children.order_by("code"))
    branches = [services.organisation_create(actor=actor, region=g, level="branch") for g in grids]
    for micro in grids[0].children.order_by("code"):
        services.organisation_create(actor=actor, region=micro, level="group")
    adults = list(
        Resident.objects.filter(
            region_path__startswith=community.path,
            status="current",
            birth_date__lte=dt.date(2000, 1, 1),
        )
        .select_related("micro_grid")
        .order_by("pk")[:3000]
    )
    people = rng.sample(adults, 121 + 119)
    local = []
    for n, resident in enumerate(people[:121]):
        branch = next(b for b in branches if resident.region_path.startswith(b.region_path))
        member = services.member_register(
            actor=actor,
            organisation=branch,
            name=resident.name,
            resident=resident,
            serves=resident.micro_grid,
            skills=rng.choice(["", "水电维修", "法律咨询", "心理疏导", "理发", "书法"]),
            available=rng.choice(["", "周末", "工作日晚上", "随时"]),
        )
        if n < 84:
            services.identity_show(
                actor=actor, member=member, on=dt.date(2022, 7, 1) + dt.timedelta(days=n)
            )
        local.append(member)
    units = [
        services.unit_register(
            actor=actor, community=community, name=name, resources=offer, on=dt.date(2022, 9, 1)
        )
        for name, offer in UNITS
    ]
    for n, resident in enumerate(people[121:]):
        member = services.member_register(
            actor=actor,
            organisation=committee,
            name=resident.name,
            resident=resident,
            relation=Relation.DUAL,
        )
        services.dual_register(
            actor=actor, member=member, unit=units[n % len(units)], on=dt.date(2022, 10, 1)
        )
    for member in local[:10]:
        home = member.resident.household
        near = Household.objects.filter(micro_grid_id=home.micro_grid_id).exclude(pk=home.pk)[:6]
        services.central_household_set(actor=actor, member=member, neighbours=list(near))
    poster = User.objects.filter(username="resident1").first() or actor
    for n, (title, state) in enumerate(NEEDS):
        need = services.need_post(actor=poster, community=community, title=title)
        if state == "open":
            continue
        claimer = {"member": local[n]} if n % 2 == 0 else {"unit": units[n]}
        need = services.need_move(actor=actor, need=need, move="claim", **claimer)
        if state in ("done", "rated"):
            need = services.need_move(actor=actor, need=need, move="done", note="已完成")
        if state == "rated":
            services.need_move(actor=poster, need=need, move="rate", rating=5, note="谢谢!")
    return PartyMember.objects.filter(region_path__startswith=community.path).count()
