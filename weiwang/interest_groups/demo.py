"""Demo groups and venues for 兴乐社区, after the report: dance, table tennis, frisbee and
basketball groups with hundreds of members, the courts and rooms of 香城体育公园, bookings."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment, User
from weiwang.interest_groups import services
from weiwang.interest_groups.models import Membership, Venue
from weiwang.people.demo import resident_accounts
from weiwang.regions.models import Region

GROUPS = [
    # name, kind, members, ages, meets
    ("兴乐舞蹈队", "dance", 160, (40, 75), "每天 19:30 兴乐社区广场"),
    ("香城乒乓球社", "table_tennis", 120, (12, 80), "每周三、六 19:00 香城体育公园乒乓球馆"),
    ("飞盘俱乐部", "frisbee", 70, (16, 45), "每周日 9:00 香城体育公园草坪"),
    ("少年篮球队", "basketball", 60, (6, 17), "每周六 15:00 香城体育公园篮球场"),
]
VENUES = [
    ("香城体育公园篮球场", "香城体育公园东门", dt.time(7, 0), dt.time(22, 0), 60, True),
    ("香城体育公园乒乓球馆", "香城体育公园综合馆一楼", dt.time(8, 0), dt.time(21, 0), 60, True),
    ("香城体育公园草坪", "香城体育公园中心草坪", dt.time(7, 0), dt.time(20, 0), 120, False),
    ("社区活动室", "兴乐社区党群服务中心二楼", dt.time(9, 0), dt.time(21, 0), 60, True),
]


@transaction.atomic
def seed_demo_groups(community: Region, *, seed: int = 2022) -> int:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    if staff is None:
        return 0
    rng = random.Random(seed)
    people = resident_accounts(community, count=320, prefix="member", seed=seed + 1)
    grids = list(community.children.order_by("code"))
    groups = []
    for n, (name, kind, size, (low, high), meets) in enumerate(GROUPS):
        group = services.group_create(
            actor=staff.user,
            community=community,
            name=name,
            kind=kind,
            organiser=people[n],
            meets=meets,
            min_age=low,
            max_age=high,
            target_grids=grids[n : n + 1],
        )
        members = [p for p in rng.sample(people, size) if p.pk != people[n].pk]
        Membership.objects.bulk_create(
            Membership(group=group, user=user, status="member") for user in members
        )
        groups.append(group)
    resident1 = User.objects.filter(username="resident1").first()
    if resident1 is not None:
        services.group_join(user=resident1, group=groups[0])
    venues = [
        Venue.objects.create(
            name=name,
            place=place,
            community=community,
            region_path=community.path,
            opens_at=opens,
            closes_at=closes,
            slot_minutes=minutes,
            needs_approval=approval,
        )
        for name, place, opens, closes, minutes, approval in VENUES
    ]
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    for days, venue, group, hour, hours in [
        (0, venues[0], groups[3], 15, 2),
        (0, venues[1], groups[1], 19, 2),
        (2, venues[2], groups[2], 9, 2),
        (1, venues[3], groups[0], 9, 1),
    ]:
        start = timezone.make_aware(
            dt.datetime.combine(tomorrow + dt.timedelta(days=days), dt.time(hour))
        )
        booking = services.booking_create(
            actor=group.organiser,
            venue=venue,
            group=group,
            starts_at=start,
            ends_at=start + dt.timedelta(hours=hours),
            purpose="社群例行活动",
        )
        if booking.status == "pending" and venue != venues[3]:
            services.booking_decide(actor=staff.user, booking=booking, approve=True)
    return len(groups)
