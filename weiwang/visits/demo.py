"""Demo visits: a year of visits to the residents the rules cover in grid 1, mostly on time,
with realistic gaps (some households late, a few never visited)."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from weiwang.accounts.models import RoleAssignment
from weiwang.people.models import Resident
from weiwang.regions.models import Region
from weiwang.visits.models import Visit, VisitKind, VisitRule

FOUND = [
    "身体状况稳定,按时服药",
    "老人反映膝盖疼,已联系家庭医生上门",
    "家中燃气软管老化,提醒更换",
    "子女每周探望,生活可以自理",
    "需要代购生活用品,已安排志愿者",
    "情绪低落,陪同聊天,下周再访",
]
SERVICES = ["", "", "送药", "代办高龄津贴", "送汤圆", ""]


def seed_demo_visits(community: Region, *, seed: int = 2022, days: int = 365) -> int:
    grid = community.children.order_by("code").first()
    worker_grant = RoleAssignment.objects.filter(region=grid).select_related("user").first()
    if grid is None or worker_grant is None:
        return 0
    tiers = {r.tag_code: r.tier for r in VisitRule.objects.select_related("tier")}
    people = (
        Resident.objects.filter(
            region_path__startswith=grid.path, status="current", tag_links__tag__code__in=tiers
        )
        .distinct()
        .prefetch_related("tag_links__tag")
    )
    rng = random.Random(seed)
    now = timezone.now()
    visits, seen = [], set()
    for person in people:
        if person.household_id in seen:
            continue
        seen.add(person.household_id)
        if rng.random() < 0.04:
            continue  # never visited yet
        tier = max(
            (tiers[link.tag.code] for link in person.tag_links.all() if link.tag.code in tiers),
            key=lambda t: t.rank,
        )
        at = (
            now
            - dt.timedelta(days=days)
            + dt.timedelta(hours=rng.randrange(24 * tier.interval_days))
        )
        late = rng.random() < 0.15  # this household is often visited late
        while at < now:
            visits.append(
                Visit(
                    household_id=person.household_id,
                    resident=person,
                    micro_grid_id=person.micro_grid_id,
                    region_path=person.region_path,
                    kind=rng.choice(
                        [VisitKind.HOME, VisitKind.HOME, VisitKind.PHONE, VisitKind.WECHAT]
                    ),
                    visited_at=at,
                    found=rng.choice(FOUND),
                    service=rng.choice(SERVICES),
                    visitor=worker_grant.user,
                    idempotency_key=f"demo-{person.household_id}-{int(at.timestamp())}",
                )
            )
            stretch = rng.uniform(1.1, 1.8) if late else rng.uniform(0.6, 1.0)
            at += dt.timedelta(days=tier.interval_days * stretch)
    Visit.objects.bulk_create(visits, batch_size=2000, ignore_conflicts=True)
    return len(visits)
