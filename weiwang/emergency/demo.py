"""One past emergency for 兴乐社区: last July's rainstorm, switched on for a day, with its
sweep mostly answered, duty confirmed, help requests delivered, and a summary."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.emergency import services
from weiwang.emergency.models import DutyCall, Emergency, HelpRequest, HelpStatus
from weiwang.regions.models import Region
from weiwang.surveys.demo import _answer_all, sweep_template
from weiwang.surveys.models import Campaign

NEEDS = [
    ("medicine", "降压药一盒"),
    ("medicine", "胰岛素,冷藏"),
    ("supplies", "饮用水两桶"),
    ("supplies", "米面和蔬菜"),
    ("medical", "老人需要透析,联系车辆"),
]


@transaction.atomic
def seed_demo_emergency(community: Region, *, seed: int = 2022) -> Emergency | None:
    staff = RoleAssignment.objects.filter(region=community, role=Role.COMMUNITY_WORKER).first()
    if staff is None:
        return None
    actor, rng = staff.user, random.Random(seed)
    template = sweep_template(actor)
    emergency = services.emergency_start(
        actor=actor, region=community, reason="暴雨红色预警,部分小区地下室进水", template=template
    )
    # Moved back to last July: everything below happened during that day.
    now = timezone.localtime()
    began = now.replace(month=7, day=21, hour=6, minute=0, second=0, microsecond=0)
    if began > now - dt.timedelta(days=30):
        began = began.replace(year=began.year - 1)
    questions = list(template.questions.all())
    safe, _home, need = questions[0], questions[1], questions[2]

    def answer(r):
        return {str(safe.pk): "yes" if r.random() < 0.97 else "no", str(need.pk): "no"}

    _answer_all(emergency.sweep, 0.96, answer, rng, start=began)
    Campaign.objects.filter(pk=emergency.sweep_id).update(deadline=began + dt.timedelta(hours=3))
    calls = list(DutyCall.objects.filter(emergency=emergency))
    for call in calls:
        if rng.random() < 0.9:
            call.confirmed_at = began + dt.timedelta(minutes=rng.randrange(5, 90))
    DutyCall.objects.bulk_update(calls, ["confirmed_at"])
    helpers = [c.user for c in calls if c.role == Role.MICRO_GRID_WORKER] or [actor]
    households = list(emergency.sweep.tasks.values_list("household", flat=True)[:40])
    for household_id in rng.sample(households, min(8, len(households))):
        kind, details = rng.choice(NEEDS)
        request = services.help_request_create(
            actor=None,
            emergency=emergency,
            household=emergency.sweep.tasks.get(household_id=household_id).household,
            kind=kind,
            details=details,
        )
        HelpRequest.objects.filter(pk=request.pk).update(
            status=HelpStatus.CONFIRMED,
            assignee=rng.choice(helpers),
            created_at=began + dt.timedelta(hours=1),
            assigned_at=began + dt.timedelta(hours=1, minutes=10),
            delivered_at=began + dt.timedelta(hours=3),
            confirmed_at=began + dt.timedelta(hours=4),
        )
    services.emergency_end(
        actor=actor,
        emergency=emergency,
        summary="3 小时内联系全部住户的 96%,其余由楼栋长电话确认;送药、送水、协助就医共 8 户,"
        "均已送达并经住户确认;地下室积水已排除,转入平时排查。",
    )
    Emergency.objects.filter(pk=emergency.pk).update(
        started_at=began, ended_at=began + dt.timedelta(hours=20)
    )
    return emergency
