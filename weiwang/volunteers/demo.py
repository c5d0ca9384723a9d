"""Demo volunteering for 兴乐社区: this year's 元宵节 activity (sign-ups, a waitlist, check-ins
and points through the same services as real ones), rewards, and an activity now recruiting."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment, User
from weiwang.people.demo import resident_accounts
from weiwang.regions.models import Region
from weiwang.volunteers import services
from weiwang.volunteers.models import Signup

VOLUNTEERS = 36


@transaction.atomic
def seed_demo_volunteering(community: Region, *, seed: int = 2022) -> int:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    if staff is None:
        return 0
    rng, actor = random.Random(seed), staff.user
    people = resident_accounts(community, count=VOLUNTEERS, prefix="volunteer", seed=seed)
    resident1 = User.objects.filter(username="resident1").first()
    if resident1 is not None:
        people.insert(0, resident1)
    for name, points, stock in [
        ("环保购物袋", 10, 50),
        ("洗衣液一瓶", 30, 20),
        ("大米五斤", 60, 10),
    ]:
        services.reward_create(
            actor=actor, community=community, name=name, points=points, stock=stock
        )
    day = timezone.make_aware(dt.datetime(2026, 3, 3, 9, 0))
    lantern = services.activity_create(
        actor=actor,
        community=community,
        title="元宵节送汤圆",
        description="元宵节为辖区独居、高龄老人煮汤圆、送汤圆,陪老人说说话。",
        place="兴乐社区党群服务中心",
        starts_at=day,
        ends_at=day + dt.timedelta(hours=3),
        shifts=[
            ("煮汤圆", day, day + dt.timedelta(hours=2), 10),
            ("送汤圆到老人家", day + dt.timedelta(hours=1), day + dt.timedelta(hours=3), 20),
        ],
    )
    shifts = list(lantern.shifts.all())
    for n, person in enumerate(people):
        # Sign-ups are made as of the time of recruitment: the service rejects past activities.
        Signup.objects.create(
            shift=shifts[n % 2],
            volunteer=person,
            status="confirmed" if n < 30 else "waitlisted",
        )
    for signup in Signup.objects.filter(shift__activity=lantern, status="confirmed"):
        if rng.random() < 0.1:
            continue  # did not come
        came = signup.shift.starts_at + dt.timedelta(minutes=rng.randrange(-20, 15))
        services.check_in(volunteer=signup.volunteer, activity=lantern, at=came)
        left = signup.shift.ends_at + dt.timedelta(minutes=rng.randrange(-40, 20))
        services.check_out(volunteer=signup.volunteer, activity=lantern, at=left)
    soon = timezone.localtime().replace(hour=9, minute=0, second=0, microsecond=0)
    soon += dt.timedelta(days=(5 - soon.weekday()) % 7 or 7)  # next Saturday
    recruiting = services.activity_create(
        actor=actor,
        community=community,
        title="周末垃圾分类宣传",
        description="在各小区门口讲解垃圾分类,发放宣传单。",
        place="红星小区、汉嘉国际社区门口",
        starts_at=soon,
        ends_at=soon + dt.timedelta(hours=3),
        shifts=[
            ("红星小区", soon, soon + dt.timedelta(hours=3), 6),
            ("汉嘉国际社区", soon, soon + dt.timedelta(hours=3), 6),
        ],
    )
    for person in people[5:14]:
        services.signup_create(volunteer=person, shift=rng.choice(list(recruiting.shifts.all())))
    return len(people)
