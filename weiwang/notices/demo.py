"""Demo grid groups and notices for 兴乐社区: a WeChat group per micro-grid holding about 90% of
its households (the report's figure), grid 1's WeCom group with a robot key (not a real one),
and notices published, waiting for review and scheduled."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.notices import notice_services as services
from weiwang.notices.models import GridGroup, Notice
from weiwang.people.models import Household
from weiwang.regions.models import Region


@transaction.atomic
def seed_demo_notices(community: Region, *, seed: int = 2022) -> int:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    grid_worker = (
        RoleAssignment.objects.filter(region__parent=community, role=Role.GRID_WORKER)
        .order_by("region__code")
        .first()
    )
    if staff is None or grid_worker is None:
        return 0
    rng = random.Random(seed)
    grids = list(community.children.order_by("code"))
    for grid in grids:
        for micro in grid.children.order_by("code"):
            group = GridGroup.objects.create(
                name=f"{micro.name}E家",
                platform=GridGroup.Platform.WECHAT,
                region=micro,
                region_path=micro.path,
            )
            homes = list(Household.objects.filter(micro_grid=micro).values_list("pk", flat=True))
            joined = [h for h in homes if rng.random() < 0.9]
            group.households.set(joined)
            group.member_count = int(len(joined) * 1.6)
            group.save(update_fields=["member_count"])
    first = grids[0]
    notice = services.notice_save(
        actor=staff.user,
        title="红星小区二次供水设施清洗,部分楼栋停水",
        body="<p>12 月 3 日 9:00–15:00 清洗二次供水水箱,1–6 栋停水,请提前储水。</p>",
        regions=[first],
        pinned=True,
    )
    notice = services.notice_submit(actor=staff.user, notice=notice)
    services.notice_review(actor=grid_worker.user, notice=notice, approve=True)
    services.notice_fan_out(notice.pk)  # now, not in a thread the command would not wait for
    services.notice_save(
        actor=grid_worker.user,
        title="周末垃圾分类宣传招募志愿者",
        body="<p>本周六上午在小区门口宣传垃圾分类,欢迎报名。</p>",
        regions=[first],
        link_url="/volunteers/",
        link_label="去报名",
    )
    waiting = services.notice_save(
        actor=grid_worker.user,
        title="冬季用气安全提醒",
        body="<p>请定期检查燃气软管,发现异味立即开窗并联系物业。</p>",
        regions=[community],
        publish_at=timezone.now() + dt.timedelta(days=1),
    )
    services.notice_submit(actor=grid_worker.user, notice=waiting)
    return Notice.objects.count()
