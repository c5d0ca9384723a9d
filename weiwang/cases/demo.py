"""A year of plausible cases in 兴乐社区 for the demo, and the story from the report: July 2022,
汉嘉国际社区's garbage bins (high-floor households want them near, low-floor households do
not), found by a micro-grid worker, escalated to the grid and the community, then settled by
有事好商量 and a public vote (weiwang.deliberation.demo). Every case goes through the same
services as real ones."""

from __future__ import annotations

import datetime as dt
import random

from django.utils import timezone

from weiwang.accounts.models import RoleAssignment, User
from weiwang.cases.models import CaseCategory, CaseSource, CaseState
from weiwang.cases.services import case_act, case_rate, case_report
from weiwang.regions.models import Building, Region, RegionLevel

# (category, what was found or asked, how it was settled)
STORIES = [
    ("environment", "{b}楼道堆放纸箱杂物,影响通行", "已联系住户清理,楼道恢复畅通"),
    ("environment", "{b}旁垃圾桶满溢,有异味", "已通知物业加密清运"),
    ("infrastructure", "{b}单元门禁损坏,无法正常关闭", "物业已更换门禁锁"),
    ("infrastructure", "{b}附近路灯不亮", "已报修,路灯恢复照明"),
    ("safety", "{b}电动车在楼道内充电", "已劝导住户到集中充电桩充电"),
    ("safety", "{b}消防通道被车辆占用", "已联系车主挪车,并张贴提示"),
    ("dispute", "{b}楼上楼下因漏水发生纠纷", "经网格员调解,双方达成维修协议"),
    ("dispute", "{b}邻里因噪音问题发生争执", "上门调解,约定晚十点后保持安静"),
    ("livelihood", "{b}独居老人咨询高龄津贴办理", "已协助准备材料并代办申请"),
    ("livelihood", "{b}居民求助:老人行动不便需代购药品", "志愿者已代购送达"),
    ("civility", "{b}绿化带内有人种菜", "已劝导恢复绿化"),
    ("other", "{b}居民建议增设休闲座椅", "已纳入社区微实事项目征集"),
]
GARBAGE_STORY = (
    "汉嘉国际社区垃圾桶摆放位置引发矛盾:高层住户要求就近摆放,低层住户反映气味和蚊虫干扰。"
)


def _staff(community: Region) -> dict[int, User]:
    """Region id → the demo user acting for it (micro-grid workers, grid workers, community)."""
    users = {}
    below = Region.objects.filter(path__startswith=community.path)
    for assignment in RoleAssignment.objects.filter(region__in=below).select_related("user"):
        users.setdefault(assignment.region_id, assignment.user)
    return users


def seed_demo_cases(community: Region, *, seed: int = 2022, days: int = 365) -> int:
    """About one and a half cases a day over the last `days` days, most closed and rated, a
    few still open; and the 2022 garbage-bin case. Run the sweep afterwards (seed_demo does)
    to mark the overdue ones. Returns how many were made."""
    rng = random.Random(seed)
    staff = _staff(community)
    categories = {c.code: c for c in CaseCategory.objects.all()}
    micro_grids = list(
        Region.objects.filter(path__startswith=community.path, level=RegionLevel.MICRO_GRID)
    )
    buildings = {
        m.pk: list(Building.objects.filter(units__dwellings__micro_grid=m).distinct()[:6])
        for m in micro_grids
    }
    now = timezone.now()
    made = 0
    for day in range(days, 0, -1):
        for _ in range(rng.choice((0, 1, 1, 2, 2, 3))):
            micro = rng.choice(micro_grids)
            if not buildings[micro.pk]:
                continue
            morning = timezone.localtime(now).replace(hour=8, minute=0, second=0, microsecond=0)
            at = morning - dt.timedelta(days=day) + dt.timedelta(minutes=rng.randrange(600))
            _one_case(rng, staff, categories, micro, rng.choice(buildings[micro.pk]), at, now)
            made += 1
    _garbage_bins(community, staff, categories)
    return made + 1


def _one_case(rng, staff, categories, micro, building, at, now) -> None:
    code, found, settled = rng.choice(STORIES)
    ids = [*micro.ancestor_ids, micro.pk]  # district, street, community, grid, micro-grid
    grid_worker, community_worker = staff.get(ids[3]), staff.get(ids[2])
    micro_worker = staff.get(micro.pk)
    from_resident = rng.random() < 0.45
    case, _code = case_report(
        actor=(micro_worker or grid_worker) if not from_resident else None,
        category=categories[code],
        description=found.format(b=str(building)),
        micro_grid=micro,
        source=rng.choice((CaseSource.RESIDENT, CaseSource.RESIDENT, CaseSource.HOTLINE))
        if from_resident
        else CaseSource.WORKER,
        building=building,
        estate=building.estate,
        reporter_name="居民" if from_resident else "",
        external_number=f"12345-{at:%Y%m%d}{rng.randrange(1000):03d}" if from_resident else "",
        now=at,
    )
    age = now - at
    recent = age < dt.timedelta(days=14)
    if recent and rng.random() < 0.2:
        return  # still waiting to be accepted (overdue by now, some of them)
    # Whoever acts for the case's tier takes it; a grid worker pulls up cases of micro-grids
    # without a volunteer worker of their own.
    handler = {"micro_grid": micro_worker, "grid": grid_worker, "community": community_worker}
    actor = handler.get(case.tier)
    step = at + dt.timedelta(hours=rng.uniform(0.2, 3))
    if actor is None:
        case = case_act(
            actor=grid_worker,
            case=case,
            action="pull_up",
            version=case.version,
            note="网格直接办理",
            now=step,
        )
        actor = grid_worker
    else:
        case = case_act(actor=actor, case=case, action="accept", version=case.version, now=step)
    if rng.random() < 0.1 and case.tier == "grid":
        step += dt.timedelta(hours=rng.uniform(1, 24))
        case = case_act(
            actor=actor,
            case=case,
            action="escalate",
            version=case.version,
            note="涉及多个网格,需社区统筹",
            now=step,
        )
        actor = community_worker
        case = case_act(actor=actor, case=case, action="accept", version=case.version, now=step)
    if recent and rng.random() < 0.4:
        if rng.random() < 0.5:
            case_act(actor=actor, case=case, action="start", version=case.version, now=step)
        return  # still in hand
    step += dt.timedelta(hours=rng.uniform(2, 60))
    if step >= now:
        return
    case = case_act(
        actor=actor, case=case, action="resolve", version=case.version, note=settled, now=step
    )
    if case.state != CaseState.AWAITING_RATING:
        return
    roll = rng.random()
    rated_at = step + dt.timedelta(hours=rng.uniform(1, 48))
    if roll < 0.05 or rated_at >= now:
        return  # never rated: the sweep archives it after 7 days
    rating = "satisfied" if roll < 0.8 else "basic" if roll < 0.95 else "dissatisfied"
    case = case_rate(case=case, rating=rating, comment="", now=rated_at)
    if case.state == CaseState.REOPENED:
        upper = staff.get(case.handling_region_id)
        if upper is None:
            return
        again = rated_at + dt.timedelta(hours=rng.uniform(2, 30))
        if again >= now:
            return
        case = case_act(actor=upper, case=case, action="accept", version=case.version, now=again)
        case = case_act(
            actor=upper,
            case=case,
            action="resolve",
            version=case.version,
            note="上级复核后重新处理",
            now=again + dt.timedelta(hours=4),
        )
        case_rate(case=case, rating="satisfied", now=again + dt.timedelta(hours=20))


def _garbage_bins(community: Region, staff, categories) -> None:
    """July 2022: found by the micro-grid worker, up to the grid, then to the community,
    settled through 有事好商量 and a public vote."""
    estate = community.estates.filter(name="汉嘉国际社区").first()
    building = Building.objects.filter(estate=estate).order_by("id").first() if estate else None
    if building is None:
        return
    dwelling = building.units.first().dwellings.select_related("micro_grid").first()
    micro = dwelling.micro_grid
    ids = [*micro.ancestor_ids, micro.pk]
    grid_worker, community_worker = staff.get(ids[3]), staff.get(ids[2])
    at = timezone.make_aware(dt.datetime(2022, 7, 12, 9, 30))
    case, _code = case_report(
        actor=grid_worker,
        category=categories["dispute"],
        title="汉嘉国际社区垃圾桶摆放引发高层与低层住户矛盾",
        description=GARBAGE_STORY,
        micro_grid=micro,
        source=CaseSource.WORKER,
        estate=estate,
        building=building,
        people_involved="高层住户代表、低层住户代表、物业",
        now=at,
    )
    if case.tier == "micro_grid":
        case = case_act(
            actor=grid_worker,
            case=case,
            action="pull_up",
            version=case.version,
            note="微网格员发现后上报网格",
            now=at + dt.timedelta(hours=1),
        )
    case = case_act(
        actor=grid_worker,
        case=case,
        action="escalate",
        version=case.version,
        note="涉及整个小区住户,网格上报社区",
        now=at + dt.timedelta(hours=5),
    )
    case = case_act(
        actor=community_worker,
        case=case,
        action="accept",
        version=case.version,
        now=at + dt.timedelta(days=1),
    )
    # The community takes it to 有事好商量; the published vote closes the case
    # (weiwang.deliberation.demo).
