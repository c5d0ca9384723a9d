"""The demo's consultation: July 2022, 汉嘉国际社区's garbage bins, taken from the case to
有事好商量 — the topic, the meeting with residents, property management and the owners'
committee, the options, a vote of the estate's households on site and online, and its published
result, which closes the case. Past meetings are written as they happened (the service refuses
to schedule one less than two days ahead, which is right for real ones)."""

from __future__ import annotations

import datetime as dt
import random
from decimal import Decimal

from django.utils import timezone

from weiwang.accounts.models import RoleAssignment
from weiwang.cases.models import Case
from weiwang.deliberation.models import Channel, Meeting, RollEntry
from weiwang.deliberation.services import (
    ballot_cast,
    topic_propose,
    topic_review,
    vote_close,
    vote_create,
    vote_open,
)
from weiwang.regions.models import Region


def seed_demo_consultation(community: Region, *, seed: int = 2022) -> None:
    case = Case.objects.filter(title__startswith="汉嘉国际社区垃圾桶摆放").first()
    if case is None or case.estate is None:
        return
    staff = (
        RoleAssignment.objects.filter(region=community, role="community_worker")
        .select_related("user")
        .first()
    )
    worker = staff.user if staff else None
    rng = random.Random(seed)
    start = timezone.make_aware(dt.datetime(2022, 7, 14, 10, 0))
    topic = topic_propose(
        actor=worker,
        title="汉嘉国际社区垃圾桶怎么摆",
        body="高层住户希望垃圾桶就近摆放,低层住户反映气味和蚊虫干扰。请居民代表、物业、业委会"
        "一起协商摆放方案,并由全体住户投票决定。",
        signature="兴乐社区党委",
        region=community,
        estate=case.estate,
        case=case,
    )
    topic_review(actor=worker, topic=topic, accept=True, note="涉及全小区住户,同意协商")
    Meeting.objects.create(
        topic=topic,
        agenda_published_at=start,
        starts_at=start + dt.timedelta(days=3),
        place="汉嘉国际社区居民议事厅",
        invited="居民代表(高层、低层各5名)、物业、业委会、议事会成员、提议人",
        agenda="一、网格员介绍情况;二、高层、低层住户代表发言;三、物业介绍可选位置;四、拟定方案",
        attendance="居民代表10人、物业2人、业委会3人、议事会成员3人",
        minutes="经协商拟定两个方案:甲、在各楼栋之间设集中投放点,每日清洗消杀;"
        "乙、维持各楼栋门口摆放,增加清运频次。提交全体住户投票。",
    )
    opens = start + dt.timedelta(days=5)
    vote = vote_create(
        actor=worker,
        topic=topic,
        question="汉嘉国际社区垃圾桶摆放方案",
        kind="single",
        options=["甲:楼栋之间设集中投放点,每日清洗消杀", "乙:维持楼栋门口摆放,增加清运频次"],
        unit="household",
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=5),
        quorum=Decimal("0.5"),
        threshold="simple",
    )
    vote_open(actor=worker, vote=vote, now=opens)
    first, second = vote.options.values_list("pk", flat=True)
    for entry in RollEntry.objects.filter(vote=vote).order_by("pk"):
        if rng.random() < 0.72:  # turnout
            choice = first if rng.random() < 0.68 else second
            channel = Channel.PAPER if rng.random() < 0.3 else Channel.ONLINE
            ballot_cast(
                vote=vote,
                entry=entry,
                choices=[choice],
                channel=channel,
                now=opens + dt.timedelta(hours=rng.randrange(1, 110)),
            )
    vote_close(actor=worker, vote=vote, now=opens + dt.timedelta(days=5))


def seed_demo_projects(community: Region, *, seed: int = 2022) -> None:
    """The 2026 fund of 兴乐社区: two funded micro-projects (repair a broken path, install
    fitness equipment) through proposal, council, ballot, selection, spending and acceptance;
    one more proposal that lost the vote, and one refused by the negative list."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    from weiwang.deliberation import projects
    from weiwang.deliberation.models import Fund

    staff = (
        RoleAssignment.objects.filter(region=community, role="community_worker")
        .select_related("user")
        .first()
    )
    if staff is None:
        return
    worker, rng = staff.user, random.Random(seed + 1)
    fund = Fund.objects.create(community=community, year=2026, budget=Decimal("80000"))
    ideas = [
        (
            "修补红星小区破损步道",
            "红星小区中心花园",
            "步道砖块松动破损,老人雨天容易摔倒。",
            "32000",
        ),
        ("安装健身器材", "香城花园东侧空地", "小区没有健身场地,居民希望就近锻炼。", "28000"),
        ("增设休闲座椅", "兴乐苑主干道", "老人散步途中没有地方休息。", "30000"),
        ("补贴住户物业费", "全社区", "减轻住户物业费负担。", "50000"),
    ]
    made = [
        projects.project_propose(
            actor=worker,
            fund=fund,
            title=t,
            place=p,
            why=w,
            estimate=Decimal(e),
            proposed_by="居民代表",
        )
        for t, p, w, e in ideas
    ]
    for project in made[:3]:
        projects.project_council(
            actor=worker, project=project, approve=True, note="议事会同意列入投票"
        )
    opens = timezone.make_aware(dt.datetime(2026, 4, 1, 9, 0))
    vote = projects.fund_ballot(
        actor=worker,
        fund=fund,
        opens_at=opens,
        closes_at=opens + dt.timedelta(days=7),
        max_choices=2,
    )
    vote_open(actor=worker, vote=vote, now=opens)
    option = {o.project_id: o.pk for o in vote.options.all()}
    path, gym, seats = made[:3]
    for entry in RollEntry.objects.filter(vote=vote).order_by("pk"):
        if rng.random() < 0.45:
            picks = [path.pk] if rng.random() < 0.75 else []
            picks += [gym.pk] if rng.random() < 0.6 else [seats.pk] if rng.random() < 0.5 else []
            if picks:
                ballot_cast(
                    vote=vote,
                    entry=entry,
                    choices=[option[p] for p in picks],
                    now=opens + dt.timedelta(hours=rng.randrange(1, 160)),
                )
    vote_close(actor=worker, vote=vote, now=opens + dt.timedelta(days=7))
    fund.refresh_from_db()
    for project in projects.fund_select(actor=worker, fund=fund):
        projects.project_implement(actor=worker, project=project, implementer="新都区某工程公司")
        for item, share in (("材料", Decimal("0.6")), ("人工", Decimal("0.35"))):
            out = io.BytesIO()
            Image.new("RGB", (600, 400), "white").save(out, format="JPEG")
            projects.spending_add(
                actor=worker,
                project=project,
                item=item,
                amount=(project.estimate * share).quantize(Decimal("1")),
                spent_on=dt.date(2026, 6, 15),
                receipt=SimpleUploadedFile(
                    "receipt.jpg", out.getvalue(), content_type="image/jpeg"
                ),
            )
        projects.project_accept(actor=worker, project=project, note="党组织验收合格")
        projects.project_supervise(actor=worker, project=project, note="监委会全程监督,支出公开")
