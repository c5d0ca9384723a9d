"""The permission grid: every persona × every URL × own/other scope (DESIGN.md §4).

Each URL route of the project needs a row in CASES; a new URL without one fails
`test_every_url_has_a_row_in_the_grid`. Out of scope must be a 404, never a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

PERSONAS = [
    "district_admin",
    "street_admin",
    "community_worker",
    "grid_worker",
    "grid_worker2",
    "micro_grid_worker",
    "building_head",
    "party_member",
    "resident",
    "nobody",
]

# Per persona: (own resident, other resident just outside the scope, own region, other region).
SCOPES = {
    "district_admin": ("zhangsan", "wujiu", "D", "D2"),
    "street_admin": ("zhangsan", "zhouba", "S", "S2"),
    "community_worker": ("zhangsan", "sunqi", "C", "C2"),
    "grid_worker": ("zhangsan", "wangwu", "G1", "G2"),
    "grid_worker2": ("wangwu", "zhangsan", "G2", "G1"),
    "micro_grid_worker": ("zhangsan", "zhaoliu", "M1", "M1b"),
    "building_head": ("zhangsan", "zhaoliu", "M1", "M1b"),
    "party_member": ("zhaoliu", "zhangsan", "M1b", "M1"),
    "resident": ("zhangsan", "zhaoliu", "M1", "M1b"),
    "nobody": ("zhangsan", "zhaoliu", "M1", "M1b"),
}
BROWSERS = {
    "district_admin",
    "street_admin",
    "community_worker",
    "grid_worker",
    "grid_worker2",
    "micro_grid_worker",
}
REVEALERS = {"district_admin", "street_admin", "community_worker", "grid_worker", "grid_worker2"}
RESIDENT_VIEWERS = BROWSERS | {"building_head", "party_member", "resident"}
HOUSEHOLD_OWNERS = {"party_member", "resident"}
TAG_MANAGERS = {"district_admin", "street_admin"}
IMPORTERS = {"district_admin", "street_admin", "community_worker"}  # a community node in scope
SAME_ESTATE = {"micro_grid_worker", "building_head", "party_member", "resident"}
CASE_VIEWERS = BROWSERS | HOUSEHOLD_OWNERS  # staff see their region's cases; residents their own
REVIEWERS = {"district_admin", "street_admin", "community_worker"}  # run 有事好商量
# A community's funds and projects are public to everyone working or living in it: the "other"
# resident of these personas lives in the same community (兴乐社区).
SAME_COMMUNITY = {"grid_worker", "grid_worker2", "micro_grid_worker"} | SAME_ESTATE


@dataclass(frozen=True)
class Case:
    method: str
    path: Callable[[object, str, str], str]  # (world, persona, "own"/"other") → URL
    expect: Callable[[str, str], int]  # (persona, scope) → status
    api: bool = False
    data: Callable[[str, str], dict] | None = None


def _resident(world, persona, scope):
    key = SCOPES[persona][0 if scope == "own" else 1]
    return world.residents[key]


def _region(world, persona, scope):
    return world.regions[SCOPES[persona][2 if scope == "own" else 3]]


def _export_to_decide(world, persona, scope):
    """A fresh pending request: own = street_admin's for grid 1, other = district_admin's for
    a micro-grid in another district (nobody else covers it)."""
    from weiwang.people.unmasked_exports import export_request_create

    requester, region = ("street_admin", "G1") if scope == "own" else ("district_admin", "M5")
    export = export_request_create(
        actor=world.users[requester], reason="报送名单", region=world.regions[region]
    )
    return f"/exports/{export.pk}/decide/"


def _export_to_download(world, persona, scope):
    """A fresh approved request: own = the persona's, other = somebody else's."""
    from django.utils import timezone

    from weiwang.people.models import ExportRequest

    requester = world.users[persona if scope == "own" else "nobody"]
    export = ExportRequest.objects.create(
        requested_by=requester,
        reason="报送名单",
        status="approved",
        decided_by=world.users["nobody"],
        decided_at=timezone.now(),
    )
    return f"/exports/{export.pk}/download/"


def _import_job(world, persona, scope, suffix=""):
    """A checked-in sheet: own = for 兴乐社区, other = for a community in another district."""
    from django.conf import settings

    from weiwang.people.models import ImportJob

    stored = f"grid-{persona}-{scope}.csv"
    (settings.IMPORT_DIR).mkdir(parents=True, exist_ok=True)
    (settings.IMPORT_DIR / stored).write_text("姓名,身份证号,住址\n", encoding="utf-8")
    (settings.IMPORT_DIR / f"{stored}.report.xlsx").write_bytes(b"report")
    job = ImportJob.objects.create(
        community=world.regions["C" if scope == "own" else "C4"],
        uploaded_by=world.users["community_worker"],
        file_name="花名册.csv",
        stored_as=stored,
        header=["姓名", "身份证号", "住址"],
        columns={"name": 0, "id_number": 1, "address": 2},
    )
    return f"/imports/{job.pk}/{suffix}"


def _case(world, persona, scope, suffix=""):
    """own: a case in the persona's own resident's micro-grid, reported by the persona when
    it is a household owner; other: one in the micro-grid just outside its scope."""
    from weiwang.cases.models import CaseCategory, CaseSource
    from weiwang.cases.services import case_report

    resident = _resident(world, persona, scope)
    mine = scope == "own" and persona in HOUSEHOLD_OWNERS
    case, _code = case_report(
        actor=world.users[persona] if mine else None,
        category=CaseCategory.objects.get(code="environment"),
        description="楼道堆放杂物",
        micro_grid=resident.micro_grid,
        source=CaseSource.RESIDENT if mine else CaseSource.WORKER,
    )
    return f"/cases/{case.pk}/{suffix}"


def _topic(world, persona, scope, suffix=""):
    """An accepted topic about the micro-grid of the persona's own (or other) resident."""
    from weiwang.accounts.models import User
    from weiwang.deliberation.services import topic_propose, topic_review

    proposer, _new = User.objects.get_or_create(username="topic-proposer")
    topic = topic_propose(
        actor=proposer,
        title="增设座椅",
        body="希望增设休闲座椅",
        signature="社区",
        region=_resident(world, persona, scope).micro_grid,
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    return f"/topics/{topic.pk}/{suffix}"


def _task(world, persona, scope):
    import datetime as dt

    from weiwang.deliberation.models import FollowUpTask, Topic, TopicStatus

    topic = Topic.objects.get(pk=int(_topic(world, persona, scope).split("/")[2]))
    topic.status = TopicStatus.DECIDED
    topic.save()
    task = FollowUpTask.objects.create(
        topic=topic, title="安装座椅", responsible="物业", due_on=dt.date(2027, 1, 1)
    )
    return f"/tasks/{task.pk}/done/"


def _fund(world, persona, scope):
    from decimal import Decimal

    from weiwang.deliberation.models import Fund

    community = world.regions[
        {
            "zhangsan": "C",
            "lixiuying": "C",
            "zhaoliu": "C",
            "wangwu": "C",
            "sunqi": "C2",
            "zhouba": "C3",
            "wujiu": "C4",
        }[SCOPES[persona][0 if scope == "own" else 1]]
    ]
    fund, _new = Fund.objects.get_or_create(
        community=community, year=2026, defaults={"budget": Decimal("50000")}
    )
    return fund


def _project(world, persona, scope, suffix=""):
    from decimal import Decimal

    from weiwang.deliberation.models import Project

    project = Project.objects.create(
        fund=_fund(world, persona, scope),
        title="修路",
        place="小区",
        why="破损",
        estimate=Decimal("1000"),
        proposer=world.users["community_worker"],
        proposed_by="居民",
    )
    return f"/projects/{project.pk}/{suffix}"


def _receipt(world, persona, scope):
    import datetime as dt
    from decimal import Decimal

    from django.core.files.base import ContentFile

    from weiwang.deliberation.models import Project, Spending

    url = _project(world, persona, scope)
    project = Project.objects.get(pk=int(url.split("/")[2]))
    entry = Spending.objects.create(
        project=project,
        item="材料",
        amount=Decimal("10"),
        spent_on=dt.date(2026, 11, 1),
        receipt=ContentFile(_TINY_JPEG, name="r.jpg"),
    )
    return f"{url}receipts/{entry.pk}/"


_HOUSEHOLDS: dict[str, int] = {}


def _visits_url(world) -> str:
    """The upload URL; notes each resident's household for the request bodies."""
    _HOUSEHOLDS.update({key: r.household_id for key, r in world.residents.items()})
    return "/api/v1/visits"


def _visit(world, persona, scope, suffix=""):
    import secrets

    from django.utils import timezone

    from weiwang.visits.services import visit_record

    visit, _new = visit_record(
        visitor=world.users["community_worker"],
        household=_resident(world, persona, scope).household,
        kind="home",
        visited_at=timezone.now(),
        idempotency_key=secrets.token_hex(8),
    )
    return f"/visits/{visit.pk}/{suffix}"


def _meeting(world, persona, scope):
    import datetime as dt

    from django.utils import timezone

    from weiwang.deliberation.models import Topic
    from weiwang.deliberation.services import meeting_schedule

    topic = Topic.objects.get(pk=int(_topic(world, persona, scope).split("/")[2]))
    meeting = meeting_schedule(
        actor=None,
        topic=topic,
        starts_at=timezone.now() + dt.timedelta(days=5),
        place="议事厅",
        invited="居民代表",
        agenda="议程",
    )
    return f"/meetings/{meeting.pk}/minutes/"


def _vote(world, persona, scope, suffix="", api=False):
    import datetime as dt
    from decimal import Decimal

    from django.utils import timezone

    from weiwang.deliberation.models import Topic
    from weiwang.deliberation.services import vote_create

    topic = Topic.objects.get(pk=int(_topic(world, persona, scope).split("/")[2]))
    vote = vote_create(
        actor=None,
        topic=topic,
        question="是否增设座椅",
        kind="yes_no",
        options=[],
        unit="household",
        opens_at=timezone.now(),
        closes_at=timezone.now() + dt.timedelta(days=2),
        quorum=Decimal("0.5"),
        threshold="simple",
    )
    return f"/api/v1/votes/{vote.pk}{suffix}" if api else f"/votes/{vote.pk}/{suffix}"


def _case_photo(world, persona, scope):
    from django.core.files.base import ContentFile

    from weiwang.cases.models import Case, CasePhoto

    url = _case(world, persona, scope)
    case = Case.objects.get(pk=int(url.strip("/").split("/")[-1]))
    photo = CasePhoto.objects.create(case=case, image=ContentFile(_TINY_JPEG, name="p.jpg"))
    return f"{url}photos/{photo.pk}/"


def _tiny_jpeg() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (4, 4), "red").save(out, format="JPEG")
    return out.getvalue()


_TINY_JPEG = _tiny_jpeg()


def _dwelling(world, persona, scope):
    return _resident(world, persona, scope).household.dwelling


SURVEYORS = REVEALERS  # build forms, start campaigns, confirm answers


def _survey_form(world):
    from weiwang.surveys.services import form_create, question_add

    form = form_create(actor=world.users["community_worker"], title="返乡摸排")
    question = question_add(
        actor=world.users["community_worker"], form=form, kind="text", label="备注"
    )
    return form, question


def _survey_campaign(world, persona, scope, suffix="", api=False, public=False):
    """A campaign over the persona's own region, or over the region just outside its scope."""
    import datetime as dt

    from django.utils import timezone

    from weiwang.surveys.services import campaign_create

    form, _question = _survey_form(world)
    campaign = campaign_create(
        actor=world.users["community_worker"],
        form=form,
        region=_region(world, persona, scope),
        title="返乡摸排",
        deadline=timezone.now() + dt.timedelta(days=2),
        allow_public=public,
    )
    if api:
        return f"/api/v1/surveys/campaigns/{campaign.pk}"
    return f"/surveys/campaigns/{campaign.pk}/{suffix}"


def _survey_task(world, persona, scope, suffix="", api=False, public=False):
    """The task of the persona's own (or the other) resident's household."""
    import datetime as dt

    from django.utils import timezone

    from weiwang.surveys.models import SurveyTask
    from weiwang.surveys.services import campaign_create

    form, _question = _survey_form(world)
    household = _resident(world, persona, scope).household
    campaign = campaign_create(
        actor=world.users["community_worker"],
        form=form,
        region=household.micro_grid,
        title="返乡摸排",
        deadline=timezone.now() + dt.timedelta(days=2),
        allow_public=public,
    )
    task = SurveyTask.objects.get(campaign=campaign, household=household)
    if api:
        return f"/api/v1/surveys/tasks/{task.pk}/{suffix}"
    return f"/surveys/tasks/{task.pk}/{suffix}"


def _survey_public(world, persona, scope):
    """A valid link of a campaign open to households (own) or of one that is not (other)."""
    from weiwang.surveys.models import SurveyTask
    from weiwang.surveys.task_views import public_token

    url = _survey_task(world, persona, "own", public=scope == "own")
    return f"/s/{public_token(SurveyTask.objects.get(pk=int(url.split('/')[3])))}/"


def _survey_question(world, persona, scope):
    form, question = _survey_form(world)
    return f"/surveys/forms/{form.pk}/questions/{question.pk}/delete/"


SWITCHERS = {"district_admin", "street_admin", "community_worker"}  # switch emergency mode
# Called up to duty in 兴乐社区 (or working inside it): they see its emergency whichever
# resident or region of theirs the row uses.
ON_DUTY = {"grid_worker", "grid_worker2", "micro_grid_worker", "building_head", "party_member"}
_IDS: dict[str, int] = {}


def _sweep_template(world):
    from weiwang.surveys.models import SurveyForm

    form = SurveyForm.objects.filter(is_sweep_template=True).first()
    if form is None:
        form, _question = _survey_form(world)
        form.is_sweep_template = True
        form.save(update_fields=["is_sweep_template"])
    return form


def _emergency_over(world, region):
    from weiwang.emergency.services import active_overlapping, emergency_start

    active = active_overlapping(region.path).first()  # one at a time over a place
    return active or emergency_start(
        actor=world.users["district_admin"],
        region=region,
        reason="暴雨",
        template=_sweep_template(world),
    )


def _community_of(world, region):
    from weiwang.regions.models import Region

    if region.level in ("district", "street"):  # its first community
        below = Region.objects.filter(path__startswith=region.path, level="community")
        return below.order_by("pk").first()
    if region.level in ("grid", "micro_grid"):
        return Region.objects.get(pk=region.ancestor_ids[2])
    return region


def _emergency(world, persona, scope, suffix="", api=False):
    """An emergency over the persona's own (or other) region, or the community around it."""
    emergency = _emergency_over(world, _community_of(world, _region(world, persona, scope)))
    if api:
        return f"/api/v1/emergencies/{emergency.pk}{suffix}"
    return f"/emergency/{emergency.pk}/{suffix}"


def _resident_emergency(world, persona, scope):
    household = _resident(world, persona, scope).household
    _IDS[f"household-{persona}-{scope}"] = household.pk
    return _emergency_over(world, _community_of(world, household.micro_grid)), household


def _help_new(world, persona, scope):
    from weiwang.surveys.models import SurveyTask

    emergency, household = _resident_emergency(world, persona, scope)
    task = SurveyTask.objects.get(campaign=emergency.sweep, household=household)
    return f"/emergency/help/new/{task.pk}/"


def _help_request(world, persona, scope, api=False):
    from weiwang.emergency.services import help_request_create

    emergency, household = _resident_emergency(world, persona, scope)
    request = help_request_create(
        actor=None, emergency=emergency, household=household, kind="medicine", details="药"
    )
    if api:
        return f"/api/v1/emergencies/help/{request.pk}/actions"
    return f"/emergency/help/{request.pk}/move/"


def _help_api(world, persona, scope):
    emergency, _household = _resident_emergency(world, persona, scope)
    return f"/api/v1/emergencies/{emergency.pk}/help"


def _public_help(world, persona, scope):
    from weiwang.surveys.models import SurveyTask
    from weiwang.surveys.task_views import public_token

    if scope == "own":
        emergency, household = _resident_emergency(world, persona, "own")
        task = SurveyTask.objects.get(campaign=emergency.sweep, household=household)
    else:  # a household link of an ordinary campaign: no emergency to ask for help in
        url = _survey_task(world, persona, "own", public=True)
        task = SurveyTask.objects.get(pk=int(url.split("/")[3]))
    return f"/s/{public_token(task)}/help/"


def _start_api(world, persona, scope):
    _IDS["template"] = _sweep_template(world).pk
    _IDS[f"region-{persona}-{scope}"] = _region(world, persona, scope).pk
    return "/api/v1/emergencies"


def _sees_emergency(ok: int) -> Callable[[str, str], int]:
    """Switchers see their own region's emergency; those on duty in 兴乐社区 see it anyway."""

    def expect(persona: str, scope: str) -> int:
        if persona in ON_DUTY:
            return ok
        return ok if persona in SWITCHERS and scope == "own" else 404

    return expect


def _visit_photo(world, persona, scope):
    from django.core.files.base import ContentFile

    from weiwang.visits.models import Visit, VisitPhoto

    url = _visit(world, persona, scope)
    visit = Visit.objects.get(pk=int(url.split("/")[2]))
    photo = VisitPhoto.objects.create(visit=visit, image=ContentFile(_TINY_JPEG, name="v.jpg"))
    return f"{url}photos/{photo.pk}/"


def _survey_photo(world, persona, scope):
    from django.core.files.base import ContentFile

    from weiwang.surveys.models import SurveyPhoto, SurveyTask

    url = _survey_task(world, persona, scope)
    task = SurveyTask.objects.get(pk=int(url.split("/")[3]))
    question = task.campaign.form.questions.first()
    photo = SurveyPhoto.objects.create(
        task=task, question=question, image=ContentFile(_TINY_JPEG, name="s.jpg")
    )
    return f"{url}photos/{photo.pk}/"


ORGANISERS = SWITCHERS  # publish activities, scan volunteers, correct hours, keep rewards
# Everyone whose role sits inside 兴乐社区: whichever of their regions a row uses, it is there.
IN_XINGLE = ON_DUTY | {"resident"}


def _activity(world, persona, scope, suffix=""):
    """An activity of the community of the persona's own (or other) region."""
    import datetime as dt

    from django.utils import timezone

    from weiwang.volunteers.services import activity_create

    start = timezone.now() + dt.timedelta(days=1)
    activity = activity_create(
        actor=world.users["district_admin"],
        community=_community_of(world, _region(world, persona, scope)),
        title="元宵节送汤圆",
        place="社区广场",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=3),
        shifts=[("煮汤圆", start, start + dt.timedelta(hours=3), 5)],
    )
    if suffix == "signup/":
        return f"/volunteers/shifts/{activity.shifts.get().pk}/signup/"
    if suffix == "correct/":
        from weiwang.volunteers.models import Signup

        signup = Signup.objects.create(
            shift=activity.shifts.get(), volunteer=world.users["nobody"], status="confirmed"
        )
        return f"/volunteers/signups/{signup.pk}/correct/"
    if suffix == "checkin":
        from weiwang.volunteers.views import _ACTIVITY_CODE

        return f"/v/{_ACTIVITY_CODE.sign(str(activity.pk))}/"
    return f"/volunteers/{activity.pk}/"


def _own_signup(world, persona, scope):
    """Own: the persona's own sign-up; other: somebody's in a community nobody here manages."""
    import datetime as dt

    from django.utils import timezone

    from weiwang.volunteers.models import Signup
    from weiwang.volunteers.services import activity_create

    start = timezone.now() + dt.timedelta(days=1)
    far = world.regions["C4"]
    activity = activity_create(
        actor=world.users["nobody"],
        community=far if scope == "other" else world.regions["C"],
        title="义诊",
        place="活动室",
        starts_at=start,
        ends_at=start + dt.timedelta(hours=2),
        shifts=[("引导", start, start + dt.timedelta(hours=2), 5)],
    )
    other = world.users.get("wujiu")
    if other is None:
        from django.contrib.auth import get_user_model

        other = get_user_model().objects.create_user(username="wujiu")
        world.users["wujiu"] = other
    signup = Signup.objects.create(
        shift=activity.shifts.get(),
        volunteer=world.users[persona] if scope == "own" else other,
        status="confirmed",
    )
    return f"/volunteers/signups/{signup.pk}/cancel/"


def _reward(world, persona, scope):
    from weiwang.volunteers.services import reward_create

    community = _community_of(world, _region(world, persona, scope))
    reward = reward_create(actor=None, community=community, name="环保袋", points=5, stock=3)
    return f"/volunteers/rewards/{reward.pk}/redeem/"


def _person_code(world, persona, scope):
    from weiwang.volunteers.views import _PERSON_CODE

    token = _PERSON_CODE.sign(str(world.users["resident"].pk))
    return f"/volunteers/scan/{token if scope == 'own' else token[:-2] + 'xx'}/"


def _checkin_api(world, persona, scope):
    from weiwang.volunteers.views import _ACTIVITY_CODE

    url = _activity(world, persona, "own")
    code = _ACTIVITY_CODE.sign(url.split("/")[2])
    _IDS[f"code-{persona}-{scope}"] = code if scope == "own" else code + "x"
    return "/api/v1/activities/checkin"


def _venue_api(world, persona, scope, suffix):
    from weiwang.interest_groups.services import group_create

    venue = int(_venue(world, persona, scope).split("/")[2])
    community = _community_of(world, _region(world, persona, scope))
    group = group_create(
        actor=None,
        community=community,
        name="篮球队",
        kind="basketball",
        organiser=_third_user(world),
    )
    _IDS[f"group-{persona}-{scope}"] = group.pk
    return f"/api/v1/community/venues/{venue}/{suffix}"


def _near_activity(ok: int) -> Callable[[str, str], int]:
    """Organisers see their own community's activities; those inside 兴乐社区 see its ones."""

    def expect(persona: str, scope: str) -> int:
        if persona in IN_XINGLE:
            return ok
        return ok if persona in ORGANISERS and scope == "own" else 404

    return expect


def _third_user(world):
    from django.contrib.auth import get_user_model

    if "wujiu" not in world.users:
        world.users["wujiu"] = get_user_model().objects.create_user(username="wujiu")
    return world.users["wujiu"]


def _group(world, persona, scope, suffix=""):
    """A group of the community of the persona's own (or other) region, organised by someone
    else."""
    from weiwang.interest_groups.services import group_create

    group = group_create(
        actor=None,
        community=_community_of(world, _region(world, persona, scope)),
        name="乒乓球社",
        kind="table_tennis",
        organiser=_third_user(world),
        join_mode="request",
    )
    if suffix == "decide/":
        from weiwang.interest_groups.models import Membership

        pending = Membership.objects.create(
            group=group, user=world.users["nobody"], status="pending"
        )
        return f"/groups/memberships/{pending.pk}/decide/"
    return f"/groups/{group.pk}/{suffix}"


def _venue(world, persona, scope, booking=""):
    import datetime as dt

    from django.utils import timezone

    from weiwang.interest_groups.models import Venue

    community = _community_of(world, _region(world, persona, scope))
    venue = Venue.objects.create(
        name="乒乓球台",
        place="体育公园",
        community=community,
        region_path=community.path,
        opens_at=dt.time(0, 0),
        closes_at=dt.time(23, 0),
    )
    if not booking:
        return f"/venues/{venue.pk}/"
    from weiwang.interest_groups.services import booking_create, group_create

    group = group_create(
        actor=None, community=community, name="舞蹈队", kind="dance", organiser=_third_user(world)
    )
    start = timezone.localtime().replace(minute=0, second=0, microsecond=0)
    start = start.replace(hour=9) + dt.timedelta(days=1)
    made = booking_create(
        actor=_third_user(world),
        venue=venue,
        group=group,
        starts_at=start,
        ends_at=start + dt.timedelta(hours=1),
    )
    return f"/venues/bookings/{made.pk}/{booking}/"


def _committee(world, community):
    from weiwang.party.models import PartyOrganisation
    from weiwang.party.services import organisation_create

    found = PartyOrganisation.objects.filter(region=community, level="committee").first()
    return found or organisation_create(actor=None, region=community, level="committee")


def _party_member(world, persona, scope):
    from weiwang.party.services import member_register

    community = _community_of(world, _region(world, persona, scope))
    member = member_register(actor=None, organisation=_committee(world, community), name="党员甲")
    return f"/party/members/{member.pk}/act/"


def _central(world, persona, scope):
    from weiwang.party.services import member_register

    resident = _resident(world, persona, scope)
    community = _community_of(world, resident.household.micro_grid)
    member = member_register(
        actor=None, organisation=_committee(world, community), name=resident.name, resident=resident
    )
    return f"/party/members/{member.pk}/central/"


def _party_unit(world, persona, scope):
    from weiwang.party.services import unit_register

    community = _community_of(world, _region(world, persona, scope))
    unit = unit_register(actor=None, community=community, name="人民医院")
    return f"/party/units/{unit.pk}/record/"


def _need(world, persona, scope, suffix=""):
    from weiwang.party.services import need_post

    community = _community_of(world, _region(world, persona, scope))
    need = need_post(actor=_third_user(world), community=community, title="帮忙换灯泡")
    return f"/party/needs/{need.pk}/{suffix}"


PUBLISHERS = REVEALERS  # write and review notices, keep the grid groups


def _notice(world, persona, scope, suffix=""):
    """A draft by the persona (own) or a notice to the other region by someone else."""
    from weiwang.notices.notice_services import notice_save

    region = _region(world, persona, scope)
    author = world.users[persona] if scope == "own" else _third_user(world)
    notice = notice_save(actor=author, title="停水", body="明天停水", regions=[region])
    return f"/notices/{notice.pk}/{suffix}"


def _notice_file(world, persona, scope):
    from django.core.files.base import ContentFile

    from weiwang.notices.models import NoticeAttachment

    url = _notice(world, persona, scope)
    item = NoticeAttachment.objects.create(
        notice_id=int(url.split("/")[2]), file=ContentFile(b"x", name="a.txt"), name="a.txt"
    )
    return f"{url}files/{item.pk}/"


def _grid_group(world, persona, scope, suffix=""):
    from weiwang.notices.models import GridGroup

    region = _region(world, persona, scope)
    group = GridGroup.objects.create(
        name="网格群", platform="wechat", region=region, region_path=region.path
    )
    return f"/notices/groups/{group.pk}/{suffix}"


def _report_file(world, persona, scope):
    import datetime as dt

    from django.core.files.base import ContentFile

    from weiwang.dashboards.models import Report

    report, created = Report.objects.get_or_create(
        region=_region(world, persona, scope),
        period="week",
        starts_on=dt.date(2026, 11, 23),
        defaults={"ends_on": dt.date(2026, 11, 29), "status": "ready"},
    )
    if created:
        report.pdf.save("r.pdf", ContentFile(b"%PDF-1.4"))
    return f"/reports/{report.pk}/pdf/"


def _notice_seen(persona: str, scope: str) -> int:
    """Own: the persona's draft (authors see their own); other: someone else's draft to the
    other region, seen only by publishers over it (the district admin's other is in another
    district)."""
    if scope == "own":
        return 200
    return 404


def _community(persona: str, scope: str) -> int:
    if persona not in RESIDENT_VIEWERS:
        return 404
    return 200 if scope == "own" or persona in SAME_COMMUNITY else 404


def scoped(allowed: set[str], ok: int = 200) -> Callable[[str, str], int]:
    return lambda persona, scope: ok if persona in allowed and scope == "own" else 404


def everyone(status: int) -> Callable[[str, str], int]:
    return lambda persona, scope: status


def by_persona(allowed: set[str], ok: int, otherwise: int = 404) -> Callable[[str, str], int]:
    return lambda persona, scope: ok if persona in allowed else otherwise


CASES: dict[str, Case] = {
    "": Case("get", lambda w, p, s: "/", everyone(200)),
    "healthz": Case("get", lambda w, p, s: "/healthz", everyone(200)),
    "login/": Case("get", lambda w, p, s: "/login/", everyone(302)),
    "logout/": Case("post", lambda w, p, s: "/logout/", everyone(302)),
    "regions/": Case("get", lambda w, p, s: "/regions/", by_persona(BROWSERS, 302)),
    "regions/<int:pk>/": Case(
        "get", lambda w, p, s: f"/regions/{_region(w, p, s).pk}/", scoped(BROWSERS)
    ),
    "regions/<int:pk>/tags/": Case(
        "get", lambda w, p, s: f"/regions/{_region(w, p, s).pk}/tags/", scoped(BROWSERS)
    ),
    "regions/<int:pk>/buildings/new/": Case(
        "get",
        lambda w, p, s: "/regions/{}/buildings/new/".format(
            w.regions[("M2" if p == "grid_worker2" else "M1") if s == "own" else "M5"].pk
        ),
        scoped(REVEALERS),
    ),
    "buildings/<int:pk>/": Case(
        "get",
        lambda w, p, s: f"/buildings/{_dwelling(w, p, s).unit.building_id}/",
        scoped(RESIDENT_VIEWERS),
    ),
    # Re-gridding a building: staff who may edit residents there; without a choice it only
    # redirects back with a message, so the grid does not move anything.
    "buildings/<int:pk>/move/": Case(
        "post",
        lambda w, p, s: f"/buildings/{_dwelling(w, p, s).unit.building_id}/move/",
        scoped(REVEALERS, 302),
        data=lambda p, s: {},
    ),
    "units/<int:pk>/move/": Case(
        "post",
        lambda w, p, s: f"/units/{_dwelling(w, p, s).unit_id}/move/",
        scoped(REVEALERS, 302),
        data=lambda p, s: {},
    ),
    "units/<int:pk>/": Case(
        "get", lambda w, p, s: f"/units/{_dwelling(w, p, s).unit_id}/", scoped(RESIDENT_VIEWERS)
    ),
    "dwellings/<int:pk>/": Case(
        "get", lambda w, p, s: f"/dwellings/{_dwelling(w, p, s).pk}/", scoped(RESIDENT_VIEWERS)
    ),
    "residents/": Case("get", lambda w, p, s: "/residents/", by_persona(RESIDENT_VIEWERS, 200)),
    # Masked export of a list: staff only; what it contains is scoped (test_export.py).
    "residents/export.xlsx": Case(
        "get", lambda w, p, s: "/residents/export.xlsx", by_persona(REVEALERS, 200)
    ),
    "residents/<int:pk>/change/<str:kind>/": Case(
        "get",
        lambda w, p, s: f"/residents/{_resident(w, p, s).pk}/change/move_out/",
        scoped(REVEALERS),
    ),
    "dwellings/<int:pk>/add/<str:kind>/": Case(
        "get",
        lambda w, p, s: f"/dwellings/{_dwelling(w, p, s).pk}/add/move_in/",
        scoped(REVEALERS),
    ),
    "residents/<int:pk>/": Case(
        "get", lambda w, p, s: f"/residents/{_resident(w, p, s).pk}/", scoped(RESIDENT_VIEWERS)
    ),
    "residents/<int:pk>/reveal/": Case(
        "post",
        lambda w, p, s: f"/residents/{_resident(w, p, s).pk}/reveal/",
        scoped(REVEALERS),
        data=lambda p, s: {"reason": "核对高龄补贴"},
    ),
    "my-household/": Case(
        "get", lambda w, p, s: "/my-household/", by_persona(HOUSEHOLD_OWNERS, 302)
    ),
    # Tags are one city-wide list: no own/other scope, only who may manage them.
    "exports/": Case("get", lambda w, p, s: "/exports/", by_persona(REVEALERS, 200)),
    "exports/new/": Case("get", lambda w, p, s: "/exports/new/", by_persona(REVEALERS, 200)),
    "exports/<int:pk>/decide/": Case(
        "post",
        _export_to_decide,
        lambda persona, scope: (
            302
            if (scope == "own" and persona in REVEALERS - {"grid_worker2"})
            or (scope == "other" and persona == "district_admin")
            else 404
        ),
        data=lambda p, s: {"decision": "approve"},
    ),
    "exports/<int:pk>/download/": Case("post", _export_to_download, scoped(REVEALERS)),
    "imports/": Case("get", lambda w, p, s: "/imports/", by_persona(REVEALERS, 200)),
    "imports/<int:pk>/": Case("get", _import_job, scoped(IMPORTERS)),
    "imports/<int:pk>/start/": Case(
        "post",
        lambda w, p, s: _import_job(w, p, s, "start/"),
        scoped(IMPORTERS, 302),
        data=lambda p, s: {"mode": "check"},
    ),
    "imports/<int:pk>/status.json": Case(
        "get", lambda w, p, s: _import_job(w, p, s, "status.json"), scoped(IMPORTERS)
    ),
    "imports/<int:pk>/report.xlsx": Case(
        "get", lambda w, p, s: _import_job(w, p, s, "report.xlsx"), scoped(IMPORTERS)
    ),
    "cases/": Case("get", lambda w, p, s: "/cases/", by_persona(RESIDENT_VIEWERS, 200)),
    # Residents report about their own home; a building head without one has nothing to report.
    "cases/new/": Case("get", lambda w, p, s: "/cases/new/", by_persona(CASE_VIEWERS, 200)),
    "cases/todo/": Case("get", lambda w, p, s: "/cases/todo/", by_persona(BROWSERS, 200)),
    "cases/supervision/": Case(
        "get", lambda w, p, s: "/cases/supervision/", by_persona(BROWSERS, 200)
    ),
    # Case settings are one city-wide list, like tags: only who may manage them.
    "cases/settings/": Case(
        "get", lambda w, p, s: "/cases/settings/", by_persona(TAG_MANAGERS, 200)
    ),
    "cases/settings/categories/new/": Case(
        "get", lambda w, p, s: "/cases/settings/categories/new/", by_persona(TAG_MANAGERS, 200)
    ),
    "cases/settings/categories/<int:pk>/": Case(
        "get", lambda w, p, s: "/cases/settings/categories/1/", by_persona(TAG_MANAGERS, 200)
    ),
    "cases/settings/limits/<int:pk>/": Case(
        "get", lambda w, p, s: "/cases/settings/limits/1/", by_persona(TAG_MANAGERS, 200)
    ),
    "cases/settings/calendar/<int:year>/": Case(
        "get", lambda w, p, s: "/cases/settings/calendar/2031/", by_persona(TAG_MANAGERS, 200)
    ),
    "cases/settings/calendar/<int:year>/act/": Case(
        "post",
        lambda w, p, s: "/cases/settings/calendar/2031/act/",
        by_persona(TAG_MANAGERS, 302),
        data=lambda p, s: {"what": "unconfirm"},
    ),
    "cases/<int:pk>/": Case("get", _case, scoped(CASE_VIEWERS)),
    # Without an action the move is refused with a message (302); out of scope is a 404.
    "cases/<int:pk>/act/": Case(
        "post", lambda w, p, s: _case(w, p, s, "act/"), scoped(BROWSERS, 302)
    ),
    "cases/<int:pk>/rate/": Case(
        "post", lambda w, p, s: _case(w, p, s, "rate/"), scoped(HOUSEHOLD_OWNERS, 302)
    ),
    "cases/<int:pk>/photos/<int:photo>/": Case("get", _case_photo, scoped(CASE_VIEWERS)),
    # Joining is for residents at the case's building or estate; these cases name neither.
    "cases/<int:pk>/follow/": Case(
        "post", lambda w, p, s: _case(w, p, s, "follow/"), everyone(404)
    ),
    # Public: anyone at the place may report and follow a case with its code.
    "report/<str:kind>/<int:pk>/": Case(
        "get",
        lambda w, p, s: f"/report/b/{_dwelling(w, p, s).unit.building_id}/",
        everyone(200),
    ),
    "track/": Case("get", lambda w, p, s: "/track/", everyone(200)),
    "buildings/<int:pk>/qr/": Case(
        "get",
        lambda w, p, s: f"/buildings/{_dwelling(w, p, s).unit.building_id}/qr/",
        scoped(RESIDENT_VIEWERS),
    ),
    # Open311 is public (POST needs an API key, tested in cases/tests/test_open311.py); GET
    # shows only requests that came in through Open311, so there is no scope to cross.
    "open311/v2/": Case("get", lambda w, p, s: "/open311/v2/", everyone(200)),
    r"^open311/v2/discovery\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/discovery.xml", everyone(200)
    ),
    r"^open311/v2/services\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/services.json", everyone(200)
    ),
    r"^open311/v2/services/(?P<code>[-\w]+)\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/services/environment.xml", everyone(200)
    ),
    r"^open311/v2/requests\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/requests.json", everyone(200)
    ),
    r"^open311/v2/requests/(?P<request_id>\w+)\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/requests/SJ000.json", everyone(404)
    ),
    r"^open311/v2/tokens/(?P<token>\w+)\.(?P<fmt>json|xml)$": Case(
        "get", lambda w, p, s: "/open311/v2/tokens/nope.xml", everyone(404)
    ),
    # An estate is visible to whoever sees one of its dwellings: 红星小区 is shared by the
    # "other" residents of the micro-grid personas and the residents.
    "estates/<int:pk>/qr/": Case(
        "get",
        lambda w, p, s: f"/estates/{_dwelling(w, p, s).unit.building.estate_id}/qr/",
        lambda persona, scope: (
            200
            if persona in RESIDENT_VIEWERS and (scope == "own" or persona in SAME_ESTATE)
            else 404
        ),
    ),
    "api/v1/cases/<case_id>/rating": Case(
        "post",
        lambda w, p, s: f"/api/v1{_case(w, p, s)}rating",
        lambda persona, scope: 400 if scope == "own" and persona in CASE_VIEWERS else 404,
        api=True,
        data=lambda p, s: {"rating": "satisfied"},
    ),
    "topics/": Case("get", lambda w, p, s: "/topics/", by_persona(RESIDENT_VIEWERS, 200)),
    "topics/new/": Case("get", lambda w, p, s: "/topics/new/", by_persona(CASE_VIEWERS, 200)),
    "topics/<int:pk>/": Case("get", _topic, scoped(CASE_VIEWERS)),
    # Staff moves on an accepted topic without their fields end in a message (302).
    "topics/<int:pk>/review/": Case(
        "post", lambda w, p, s: _topic(w, p, s, "review/"), scoped(REVIEWERS, 302)
    ),
    "topics/<int:pk>/meetings/": Case(
        "post", lambda w, p, s: _topic(w, p, s, "meetings/"), scoped(REVIEWERS, 302)
    ),
    "topics/<int:pk>/votes/": Case(
        "post", lambda w, p, s: _topic(w, p, s, "votes/"), scoped(REVIEWERS, 302)
    ),
    "meetings/<int:pk>/minutes/": Case("post", _meeting, scoped(REVIEWERS, 302)),
    "topics/<int:pk>/tasks/": Case(
        "post", lambda w, p, s: _topic(w, p, s, "tasks/"), scoped(REVIEWERS, 302)
    ),
    "tasks/<int:pk>/done/": Case("post", lambda w, p, s: _task(w, p, s), scoped(REVIEWERS, 302)),
    "votes/<int:pk>/": Case("get", _vote, scoped(CASE_VIEWERS)),
    "votes/<int:pk>/ballot/": Case(
        "post", lambda w, p, s: _vote(w, p, s, "ballot/"), scoped(CASE_VIEWERS, 302)
    ),
    "votes/<int:pk>/change/": Case(
        "post", lambda w, p, s: _vote(w, p, s, "change/"), scoped(CASE_VIEWERS, 302)
    ),
    "votes/<int:pk>/paper/": Case(
        "post", lambda w, p, s: _vote(w, p, s, "paper/"), scoped(REVIEWERS, 302)
    ),
    "votes/<int:pk>/state/": Case(
        "post", lambda w, p, s: _vote(w, p, s, "state/"), scoped(REVIEWERS, 302)
    ),
    "api/v1/votes/<vote_id>": Case(
        "get", lambda w, p, s: _vote(w, p, s, api=True), scoped(CASE_VIEWERS), api=True
    ),
    # A ballot on a vote not yet open is a structured 400; out of scope a 404.
    "api/v1/votes/<vote_id>/ballots": Case(
        "post",
        lambda w, p, s: _vote(w, p, s, "/ballots", api=True),
        lambda persona, scope: 400 if scope == "own" and persona in CASE_VIEWERS else 404,
        api=True,
        data=lambda p, s: {"choices": [1]},
    ),
    "projects/": Case("get", lambda w, p, s: "/projects/", by_persona(RESIDENT_VIEWERS, 200)),
    # Without a community chosen nobody registers a fund (creating one: test_projects.py).
    "funds/new/": Case("post", lambda w, p, s: "/funds/new/", everyone(404)),
    "funds/<int:pk>/": Case(
        "get", lambda w, p, s: f"/funds/{_fund(w, p, s).pk}/", lambda p, s: _community(p, s)
    ),
    "funds/<int:pk>/act/": Case(
        "post", lambda w, p, s: f"/funds/{_fund(w, p, s).pk}/act/", scoped(REVIEWERS, 302)
    ),
    "funds/<int:pk>/propose/": Case(
        "get",
        lambda w, p, s: f"/funds/{_fund(w, p, s).pk}/propose/",
        lambda p, s: _community(p, s),
    ),
    "projects/<int:pk>/": Case("get", _project, lambda p, s: _community(p, s)),
    "projects/<int:pk>/act/": Case(
        "post", lambda w, p, s: _project(w, p, s, "act/"), scoped(REVIEWERS, 302)
    ),
    "projects/<int:pk>/receipts/<int:entry>/": Case("get", _receipt, lambda p, s: _community(p, s)),
    "api/v1/topics": Case("get", lambda w, p, s: "/api/v1/topics", everyone(200), api=True),
    "api/v1/topics/<topic_id>": Case(
        "get",
        lambda w, p, s: "/api/v1" + _topic(w, p, s).rstrip("/"),
        scoped(CASE_VIEWERS),
        api=True,
    ),
    "api/v1/funds": Case("get", lambda w, p, s: "/api/v1/funds", everyone(200), api=True),
    "api/v1/funds/<fund_id>": Case(
        "get",
        lambda w, p, s: f"/api/v1/funds/{_fund(w, p, s).pk}",
        lambda p, s: _community(p, s),
        api=True,
    ),
    "api/v1/funds/<fund_id>/projects": Case(
        "post",
        lambda w, p, s: f"/api/v1/funds/{_fund(w, p, s).pk}/projects",
        lambda p, s: 201 if _community(p, s) == 200 else (400 if p == "nobody" else 404),
        api=True,
        data=lambda p, s: {"title": "修路", "place": "小区", "why": "破损", "estimate": "1000"},
    ),
    "visits/": Case("get", lambda w, p, s: "/visits/", by_persona(BROWSERS, 200)),
    "visits/new/<int:household>/": Case(
        "get",
        lambda w, p, s: f"/visits/new/{_resident(w, p, s).household_id}/",
        scoped(BROWSERS),
    ),
    "visits/<int:pk>/": Case("get", lambda w, p, s: _visit(w, p, s), scoped(BROWSERS)),
    "visits/<int:pk>/photos/<int:photo>/": Case("get", _visit_photo, scoped(BROWSERS)),
    "surveys/tasks/<int:pk>/photos/<int:photo>/": Case("get", _survey_photo, scoped(BROWSERS)),
    "visits/rules/": Case("get", lambda w, p, s: "/visits/rules/", by_persona(TAG_MANAGERS, 200)),
    # A body that is not JSON is a 400 for workers (others: 404); scope in test_visits.py.
    "visits/upload/": Case("post", lambda w, p, s: "/visits/upload/", by_persona(BROWSERS, 400)),
    "visits/<int:pk>/case/": Case(
        "post", lambda w, p, s: _visit(w, p, s, "case/"), scoped(BROWSERS, 302)
    ),
    "regions/<int:pk>/coverage/": Case(
        "get",
        lambda w, p, s: f"/regions/{_region(w, p, s).pk}/coverage/",
        lambda p, s: 200 if p in BROWSERS - {"micro_grid_worker"} and s == "own" else 404,
    ),
    "api/v1/visits": Case(
        "post",
        lambda w, p, s: _visits_url(w),
        lambda persona, scope: (201 if scope == "own" else 404) if persona in BROWSERS else 404,
        api=True,
        data=lambda p, s: {
            "household_id": _HOUSEHOLDS[SCOPES[p][0 if s == "own" else 1]],
            "kind": "phone",
            "visited_at": "2026-11-20T10:00:00+08:00",
            "idempotency_key": f"grid-{p}-{s}-key",
        },
    ),
    "api/v1/visits/coverage": Case(
        "get",
        lambda w, p, s: f"/api/v1/visits/coverage?region={_region(w, p, s).pk}",
        scoped(BROWSERS),
        api=True,
    ),
    "api/v1/visits/rules": Case(
        "get", lambda w, p, s: "/api/v1/visits/rules", by_persona(BROWSERS, 200), api=True
    ),
    "api/v1/visits/due": Case(
        "get", lambda w, p, s: "/api/v1/visits/due", by_persona(BROWSERS, 200), api=True
    ),
    "inbox/": Case("get", lambda w, p, s: "/inbox/", everyone(200)),
    "inbox/read/": Case("post", lambda w, p, s: "/inbox/read/", everyone(302)),
    "tags/": Case("get", lambda w, p, s: "/tags/", by_persona(TAG_MANAGERS, 200)),
    "tags/<int:pk>/": Case(
        "get",
        lambda w, p, s: f"/tags/{w.tags['advanced_age' if s == 'own' else 'chronic_illness'].pk}/",
        by_persona(TAG_MANAGERS, 200),
    ),
    "api/v1/": Case("get", lambda w, p, s: "/api/v1/", everyone(404), api=True),
    "api/v1/openapi.json": Case(
        "get", lambda w, p, s: "/api/v1/openapi.json", everyone(200), api=True
    ),
    "api/v1/auth/token": Case(
        "post",
        lambda w, p, s: "/api/v1/auth/token",
        everyone(401),
        api=True,
        data=lambda p, s: {"username": f"{p}-{s}", "password": "wrong"},
    ),
    "api/v1/regions/<region_id>": Case(
        "get", lambda w, p, s: f"/api/v1/regions/{_region(w, p, s).pk}", scoped(BROWSERS), api=True
    ),
    "api/v1/residents": Case(
        "get",
        lambda w, p, s: "/api/v1/residents",
        by_persona(RESIDENT_VIEWERS | {"nobody"}, 200),
        api=True,
    ),
    "api/v1/cases": Case(
        "get",
        lambda w, p, s: "/api/v1/cases",
        by_persona(RESIDENT_VIEWERS | {"nobody"}, 200),
        api=True,
    ),
    "api/v1/cases/<case_id>": Case(
        "get",
        lambda w, p, s: f"/api/v1{_case(w, p, s)}".rstrip("/"),
        scoped(CASE_VIEWERS),
        api=True,
    ),
    # An unknown move is a structured 400 for those who may act; out of scope is a 404.
    "api/v1/cases/<case_id>/actions": Case(
        "post",
        lambda w, p, s: f"/api/v1{_case(w, p, s)}actions",
        lambda persona, scope: 400 if scope == "own" and persona in CASE_VIEWERS else 404,
        api=True,
        data=lambda p, s: {"action": "fly", "version": 0},
    ),
    "api/v1/residents/<resident_id>": Case(
        "get",
        lambda w, p, s: f"/api/v1/residents/{_resident(w, p, s).pk}",
        scoped(RESIDENT_VIEWERS),
        api=True,
    ),
    "surveys/": Case("get", lambda w, p, s: "/surveys/", by_persona(SURVEYORS, 200)),
    "surveys/forms/new/": Case(
        "get", lambda w, p, s: "/surveys/forms/new/", by_persona(SURVEYORS, 200)
    ),
    "surveys/forms/<int:pk>/": Case(
        "get",
        lambda w, p, s: f"/surveys/forms/{_survey_form(w)[0].pk}/",
        by_persona(SURVEYORS, 200),
    ),
    "surveys/forms/<int:pk>/copy/": Case(
        "post",
        lambda w, p, s: f"/surveys/forms/{_survey_form(w)[0].pk}/copy/",
        by_persona(SURVEYORS, 302),
    ),
    "surveys/forms/<int:pk>/questions/<int:question>/delete/": Case(
        "post", _survey_question, by_persona(SURVEYORS, 302)
    ),
    "surveys/campaigns/new/": Case(
        "get", lambda w, p, s: "/surveys/campaigns/new/", by_persona(SURVEYORS, 200)
    ),
    "surveys/campaigns/<int:pk>/": Case("get", _survey_campaign, scoped(SURVEYORS)),
    "surveys/campaigns/<int:pk>/close/": Case(
        "post", lambda w, p, s: _survey_campaign(w, p, s, "close/"), scoped(SURVEYORS, 302)
    ),
    "surveys/campaigns/<int:pk>/export.xlsx": Case(
        "get", lambda w, p, s: _survey_campaign(w, p, s, "export.xlsx"), scoped(SURVEYORS)
    ),
    "surveys/campaigns/<int:pk>/answers/": Case(
        "get", lambda w, p, s: _survey_campaign(w, p, s, "answers/"), scoped(SURVEYORS)
    ),
    "surveys/tasks/": Case("get", lambda w, p, s: "/surveys/tasks/", by_persona(BROWSERS, 200)),
    "surveys/tasks/<int:pk>/": Case("get", _survey_task, scoped(BROWSERS)),
    # Not yet answered: staff are sent back with the reason; others get a 404.
    "surveys/tasks/<int:pk>/confirm/": Case(
        "post", lambda w, p, s: _survey_task(w, p, s, "confirm/"), scoped(SURVEYORS, 302)
    ),
    "surveys/upload/": Case("post", lambda w, p, s: "/surveys/upload/", by_persona(BROWSERS, 400)),
    # Anyone holding a household's link; a link of a campaign not open to households is a 404.
    "s/<str:token>/": Case("get", _survey_public, lambda p, s: 200 if s == "own" else 404),
    "api/v1/surveys/campaigns": Case(
        "get", lambda w, p, s: "/api/v1/surveys/campaigns", by_persona(BROWSERS, 200), api=True
    ),
    "api/v1/surveys/campaigns/<pk>": Case(
        "get",
        lambda w, p, s: _survey_campaign(w, p, s, api=True),
        scoped(BROWSERS),
        api=True,
    ),
    "api/v1/surveys/forms": Case(
        "get", lambda w, p, s: "/api/v1/surveys/forms", by_persona(SURVEYORS, 200), api=True
    ),
    # Forms are a shared library: a missing question type is a 400 for anyone who builds them.
    "api/v1/surveys/forms/<pk>/questions": Case(
        "post",
        lambda w, p, s: f"/api/v1/surveys/forms/{_survey_form(w)[0].pk}/questions",
        by_persona(SURVEYORS, 400),
        api=True,
        data=lambda p, s: {"kind": "", "label": "x"},
    ),
    "api/v1/surveys/tasks": Case(
        "get", lambda w, p, s: "/api/v1/surveys/tasks", by_persona(BROWSERS, 200), api=True
    ),
    "api/v1/surveys/tasks/<pk>/answers": Case(
        "post",
        lambda w, p, s: _survey_task(w, p, s, "answers", api=True),
        scoped(BROWSERS, 201),
        api=True,
        data=lambda p, s: {"answers": {}, "idempotency_key": f"grid-{p}-{s}"},
    ),
    "api/v1/surveys/tasks/<pk>/confirm": Case(
        "post",
        lambda w, p, s: _survey_task(w, p, s, "confirm", api=True),
        lambda p, s: 400 if p in SURVEYORS and s == "own" else 404,
        api=True,
    ),
    "emergency/": Case("get", lambda w, p, s: "/emergency/", by_persona(BROWSERS, 200)),
    "emergency/start/": Case(
        "get", lambda w, p, s: "/emergency/start/", by_persona(SWITCHERS, 200)
    ),
    "emergency/<int:pk>/": Case("get", _emergency, _sees_emergency(200)),
    # Without a summary the switch-off is refused with the reason (a redirect back).
    "emergency/<int:pk>/end/": Case(
        "post", lambda w, p, s: _emergency(w, p, s, "end/"), scoped(SWITCHERS, 302)
    ),
    "emergency/<int:pk>/duty/": Case(
        "post", lambda w, p, s: _emergency(w, p, s, "duty/"), _sees_emergency(302)
    ),
    "emergency/help/new/<int:task>/": Case("get", _help_new, scoped(BROWSERS)),
    # An unknown move is refused with the reason for those who handle the request.
    "emergency/help/<int:pk>/move/": Case("post", _help_request, scoped(BROWSERS, 302)),
    "s/<str:token>/help/": Case("get", _public_help, lambda p, s: 200 if s == "own" else 404),
    "api/v1/emergencies": Case(
        "post",
        _start_api,
        scoped(SWITCHERS, 400),
        api=True,
        data=lambda p, s: {
            "region_id": _IDS[f"region-{p}-{s}"],
            "reason": "",
            "template_id": _IDS["template"],
        },
    ),
    "api/v1/emergencies/<pk>": Case(
        "get", lambda w, p, s: _emergency(w, p, s, api=True), _sees_emergency(200), api=True
    ),
    "api/v1/emergencies/<pk>/end": Case(
        "post",
        lambda w, p, s: _emergency(w, p, s, "/end", api=True),
        scoped(SWITCHERS, 400),
        api=True,
        data=lambda p, s: {"summary": ""},
    ),
    # Admins above the community see it but were not called up: a structured 400.
    "api/v1/emergencies/<pk>/duty": Case(
        "post",
        lambda w, p, s: _emergency(w, p, s, "/duty", api=True),
        lambda p, s: (
            200
            if p in ON_DUTY or (p, s) == ("community_worker", "own")
            else _sees_emergency(400)(p, s)
        ),
        api=True,
    ),
    "api/v1/emergencies/<pk>/help": Case(
        "post",
        _help_api,
        scoped(BROWSERS, 400),
        api=True,
        data=lambda p, s: {"household_id": _IDS[f"household-{p}-{s}"], "kind": "x", "details": "x"},
    ),
    "api/v1/emergencies/help/<pk>/actions": Case(
        "post",
        lambda w, p, s: _help_request(w, p, s, api=True),
        scoped(BROWSERS, 400),
        api=True,
        data=lambda p, s: {"move": "fly"},
    ),
    "volunteers/": Case("get", lambda w, p, s: "/volunteers/", everyone(200)),
    "volunteers/new/": Case("get", lambda w, p, s: "/volunteers/new/", by_persona(ORGANISERS, 200)),
    "volunteers/<int:pk>/": Case("get", _activity, _near_activity(200)),
    "volunteers/shifts/<int:pk>/signup/": Case(
        "post", lambda w, p, s: _activity(w, p, s, "signup/"), _near_activity(302)
    ),
    "volunteers/signups/<int:pk>/cancel/": Case(
        "post", _own_signup, lambda p, s: 302 if s == "own" else 404
    ),
    # No minutes given: refused with the reason (a redirect back) for the organisers.
    "volunteers/signups/<int:pk>/correct/": Case(
        "post", lambda w, p, s: _activity(w, p, s, "correct/"), scoped(ORGANISERS, 302)
    ),
    "volunteers/rules/": Case(
        "get", lambda w, p, s: "/volunteers/rules/", by_persona(TAG_MANAGERS, 200)
    ),
    "volunteers/me/": Case("get", lambda w, p, s: "/volunteers/me/", everyone(200)),
    "volunteers/me/certificate/": Case(
        "get", lambda w, p, s: "/volunteers/me/certificate/", everyone(200)
    ),
    "volunteers/rewards/": Case(
        "get", lambda w, p, s: "/volunteers/rewards/", by_persona(ORGANISERS, 200)
    ),
    # Not enough points: refused with the reason; a reward of a community not one's own is a 404.
    "volunteers/rewards/<int:pk>/redeem/": Case("post", _reward, _near_activity(302)),
    "volunteers/scan/<str:token>/": Case("get", _person_code, scoped(ORGANISERS)),
    "v/<str:token>/": Case(
        "get",
        lambda w, p, s: _activity(w, p, s, "checkin") if s == "own" else "/v/forged:token/",
        lambda p, s: 200 if s == "own" else 404,
    ),
    "api/v1/activities": Case("get", lambda w, p, s: "/api/v1/activities", everyone(200), api=True),
    "api/v1/activities/shifts/<pk>/signups": Case(
        "post",
        lambda w, p, s: "/api/v1/activities" + _activity(w, p, s, "signup/")[11:-8] + "/signups",
        _near_activity(201),
        api=True,
    ),
    "api/v1/activities/signups/<pk>/cancel": Case(
        "post",
        lambda w, p, s: "/api/v1/activities" + _own_signup(w, p, s)[11:-1],
        lambda p, s: 200 if s == "own" else 404,
        api=True,
    ),
    # A real code but no sign-up: a structured 400; a forged code: 404.
    "api/v1/activities/checkin": Case(
        "post",
        _checkin_api,
        lambda p, s: 400 if s == "own" else 404,
        api=True,
        data=lambda p, s: {"code": _IDS[f"code-{p}-{s}"]},
    ),
    "api/v1/activities/points": Case(
        "get", lambda w, p, s: "/api/v1/activities/points", everyone(200), api=True
    ),
    "api/v1/activities/rewards/<pk>/redeem": Case(
        "post",
        lambda w, p, s: "/api/v1/activities" + _reward(w, p, s)[11:-1],
        _near_activity(400),
        api=True,
    ),
    "groups/": Case("get", lambda w, p, s: "/groups/", everyone(200)),
    "groups/new/": Case("get", lambda w, p, s: "/groups/new/", by_persona(ORGANISERS, 200)),
    "groups/<int:pk>/": Case("get", _group, _near_activity(200)),
    "groups/<int:pk>/join/": Case(
        "post", lambda w, p, s: _group(w, p, s, "join/"), _near_activity(302)
    ),
    # Not a member: refused with the reason (a redirect back).
    "groups/<int:pk>/leave/": Case(
        "post", lambda w, p, s: _group(w, p, s, "leave/"), _near_activity(302)
    ),
    "groups/memberships/<int:pk>/decide/": Case(
        "post", lambda w, p, s: _group(w, p, s, "decide/"), scoped(ORGANISERS, 302)
    ),
    "venues/": Case("get", lambda w, p, s: "/venues/", everyone(200)),
    "venues/<int:pk>/": Case("get", _venue, _near_activity(200)),
    "venues/bookings/<int:pk>/decide/": Case(
        "post", lambda w, p, s: _venue(w, p, s, "decide"), scoped(ORGANISERS, 302)
    ),
    "venues/bookings/<int:pk>/cancel/": Case(
        "post", lambda w, p, s: _venue(w, p, s, "cancel"), scoped(ORGANISERS, 302)
    ),
    "api/v1/community/groups": Case(
        "get", lambda w, p, s: "/api/v1/community/groups", everyone(200), api=True
    ),
    "api/v1/community/groups/recommended": Case(
        "get", lambda w, p, s: "/api/v1/community/groups/recommended", everyone(200), api=True
    ),
    "api/v1/community/groups/<pk>/join": Case(
        "post",
        lambda w, p, s: "/api/v1/community" + _group(w, p, s, "join"),
        _near_activity(201),
        api=True,
    ),
    "api/v1/community/venues/<pk>/slots": Case(
        "get", lambda w, p, s: _venue_api(w, p, s, "slots"), _near_activity(200), api=True
    ),
    # Ending before it starts: a structured 400 for staff of the venue's community.
    "api/v1/community/venues/<pk>/bookings": Case(
        "post",
        lambda w, p, s: _venue_api(w, p, s, "bookings"),
        scoped(ORGANISERS, 400),
        api=True,
        data=lambda p, s: {
            "group_id": _IDS[f"group-{p}-{s}"],
            "starts_at": "2099-01-01T10:00:00+08:00",
            "ends_at": "2099-01-01T09:00:00+08:00",
        },
    ),
    "party/": Case("get", lambda w, p, s: "/party/", by_persona(set(PERSONAS) - {"nobody"}, 200)),
    "party/members/": Case("get", lambda w, p, s: "/party/members/", by_persona(ORGANISERS, 200)),
    "party/members/new/": Case(
        "get", lambda w, p, s: "/party/members/new/", by_persona(ORGANISERS, 200)
    ),
    "party/members/<int:pk>/act/": Case(
        "post", _party_member, scoped(ORGANISERS, 302), data=lambda p, s: {"act": "show"}
    ),
    "party/members/<int:pk>/central/": Case("get", _central, scoped(ORGANISERS)),
    "party/units/": Case("get", lambda w, p, s: "/party/units/", by_persona(ORGANISERS, 200)),
    "party/units/<int:pk>/record/": Case("get", _party_unit, scoped(ORGANISERS)),
    "party/records/": Case("get", lambda w, p, s: "/party/records/", by_persona(ORGANISERS, 200)),
    # Posting needs a home community: admins above it and people without a role have none.
    "party/needs/new/": Case(
        "get",
        lambda w, p, s: "/party/needs/new/",
        by_persona(set(PERSONAS) - {"district_admin", "street_admin", "nobody"}, 200),
    ),
    "party/needs/<int:pk>/": Case("get", _need, _near_activity(200)),
    # No move given: refused with the reason (a redirect back).
    "party/needs/<int:pk>/move/": Case(
        "post", lambda w, p, s: _need(w, p, s, "move/"), _near_activity(302)
    ),
    # No home community (admins above one, people without a role): 404.
    "api/v1/party/figures": Case(
        "get",
        lambda w, p, s: "/api/v1/party/figures",
        by_persona(set(PERSONAS) - {"district_admin", "street_admin", "nobody"}, 200),
        api=True,
    ),
    "api/v1/party/needs": Case(
        "get", lambda w, p, s: "/api/v1/party/needs", everyone(200), api=True
    ),
    "api/v1/party/needs/<pk>/actions": Case(
        "post",
        lambda w, p, s: "/api/v1" + _need(w, p, s, "")[:-1] + "/actions",
        _near_activity(400),
        api=True,
        data=lambda p, s: {"move": "fly"},
    ),
    "dashboard/": Case("get", lambda w, p, s: "/dashboard/", by_persona(BROWSERS, 302)),
    "dashboard/<int:pk>/": Case(
        "get", lambda w, p, s: f"/dashboard/{_region(w, p, s).pk}/", scoped(BROWSERS)
    ),
    "api/v1/dashboards/<region_id>": Case(
        "get",
        lambda w, p, s: f"/api/v1/dashboards/{_region(w, p, s).pk}",
        scoped(BROWSERS),
        api=True,
    ),
    # A point is not a boundary: 400 where drawing is allowed.
    "api/v1/dashboards/<region_id>/boundary": Case(
        "post",
        lambda w, p, s: f"/api/v1/dashboards/{_region(w, p, s).pk}/boundary",
        scoped(REVEALERS, 400),
        api=True,
        data=lambda p, s: {"geometry": {"type": "Point", "coordinates": [104, 30]}},
    ),
    "dashboard/<int:pk>/boundaries/": Case(
        "get", lambda w, p, s: f"/dashboard/{_region(w, p, s).pk}/boundaries/", scoped(REVEALERS)
    ),
    # A form post is not GeoJSON: 400 where drawing is allowed.
    "dashboard/<int:pk>/boundary/": Case(
        "post",
        lambda w, p, s: f"/dashboard/{_region(w, p, s).pk}/boundary/",
        scoped(REVEALERS, 400),
        data=lambda p, s: {"geometry": "x"},
    ),
    "dashboard/<int:pk>/reports/": Case(
        "get", lambda w, p, s: f"/dashboard/{_region(w, p, s).pk}/reports/", scoped(BROWSERS)
    ),
    "reports/<int:pk>/<str:kind>/": Case("get", _report_file, scoped(BROWSERS)),
    "notices/": Case("get", lambda w, p, s: "/notices/", everyone(200)),
    "notices/new/": Case("get", lambda w, p, s: "/notices/new/", by_persona(PUBLISHERS, 200)),
    "notices/<int:pk>/": Case("get", _notice, _notice_seen),
    # Only the author edits or submits a draft (others: 404).
    "notices/<int:pk>/edit/": Case(
        "get", lambda w, p, s: _notice(w, p, s, "edit/"), scoped(PUBLISHERS)
    ),
    "notices/<int:pk>/submit/": Case(
        "post", lambda w, p, s: _notice(w, p, s, "submit/"), scoped(PUBLISHERS, 302)
    ),
    # Not yet submitted: refused with the reason (a redirect back) for publishers who see it.
    "notices/<int:pk>/review/": Case(
        "post", lambda w, p, s: _notice(w, p, s, "review/"), scoped(PUBLISHERS, 302)
    ),
    "notices/<int:pk>/files/<int:file>/": Case("get", _notice_file, _notice_seen),
    "api/v1/notices": Case("get", lambda w, p, s: "/api/v1/notices", everyone(200), api=True),
    "api/v1/notices/<pk>": Case(
        "get", lambda w, p, s: "/api/v1" + _notice(w, p, s)[:-1], _notice_seen, api=True
    ),
    "notices/rules/": Case("get", lambda w, p, s: "/notices/rules/", by_persona(TAG_MANAGERS, 200)),
    "notices/groups/": Case("get", lambda w, p, s: "/notices/groups/", by_persona(PUBLISHERS, 200)),
    "notices/groups/new/": Case(
        "get", lambda w, p, s: "/notices/groups/new/", by_persona(PUBLISHERS, 200)
    ),
    "notices/groups/<int:pk>/": Case("get", _grid_group, scoped(PUBLISHERS)),
    # Nothing typed: refused with the reason for publishers of the group's grid.
    "notices/groups/<int:pk>/case/": Case(
        "post", lambda w, p, s: _grid_group(w, p, s, "case/"), scoped(PUBLISHERS, 302)
    ),
}


def _routes(patterns, prefix: str = "") -> list[str]:
    routes = []
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            routes += _routes(pattern.url_patterns, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern):
            routes.append(prefix + str(pattern.pattern))
    return routes


def test_every_url_has_a_row_in_the_grid():
    missing = sorted(set(_routes(get_resolver().url_patterns)) - set(CASES))
    assert not missing, f"URLs without a row in the permission grid: {missing}"


@pytest.mark.parametrize("route", sorted(CASES))
def test_permission_grid(world, route):
    case = CASES[route]
    failures = []
    for persona in PERSONAS:
        for scope in ("own", "other"):
            client = world.api(persona) if case.api else world.client(persona)
            url = case.path(world, persona, scope)
            if case.method == "post":
                content_type = (
                    "application/json" if case.api else "application/x-www-form-urlencoded"
                )
                body = case.data(persona, scope) if case.data else {}
                if case.api:
                    import json

                    response = client.post(url, json.dumps(body), content_type=content_type)
                else:
                    response = client.post(url, body)
            else:
                response = client.get(url)
            expected = case.expect(persona, scope)
            if response.status_code != expected:
                failures.append(f"{persona}/{scope} {url}: {response.status_code} != {expected}")
    assert not failures, "\n".join(failures)


def test_anonymous_visitors_are_sent_to_login(world, client):
    for url in ["/", "/regions/", f"/residents/{world.residents['zhangsan'].pk}/", "/residents/"]:
        response = client.get(url)
        assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_anonymous_api_calls_get_a_structured_401(world, client):
    response = client.get(f"/api/v1/residents/{world.residents['zhangsan'].pk}")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "unauthorized"


def test_out_of_scope_is_identical_to_missing(world):
    client = world.client("grid_worker")
    other = client.get(f"/residents/{world.residents['wangwu'].pk}/")
    missing = client.get("/residents/999999/")
    assert other.status_code == missing.status_code == 404
    assert other.content == missing.content
