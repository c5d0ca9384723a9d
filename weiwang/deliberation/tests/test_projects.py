"""Micro-projects: the negative list, the five steps, selection within the budget following
the votes (with the reason for each project), spending with receipts, acceptance, ratings."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from weiwang.core.errors import ApplicationError
from weiwang.deliberation import projects
from weiwang.deliberation.models import Fund, ProjectStatus
from weiwang.deliberation.services import ballot_cast, roll_entry_for, vote_close, vote_open


@pytest.fixture
def fund(world):
    return Fund.objects.create(community=world.regions["C"], year=2026, budget=Decimal("50000"))


def _propose(world, fund, title, estimate, why="居民需要"):
    return projects.project_propose(
        actor=world.users["resident"],
        fund=fund,
        title=title,
        place="红星小区",
        why=why,
        estimate=Decimal(estimate),
        proposed_by="居民李秀英",
    )


def test_the_negative_list_refuses_with_the_reason(world, fund):
    refused = _propose(world, fund, "补贴物业费", "8000", why="减轻住户物业费负担")
    assert refused.status == ProjectStatus.REFUSED
    assert "个人费用" in refused.status_note and "物业费" in refused.status_note
    duty = _propose(world, fund, "社区工作人员加班费", "3000", why="发放工资补助")
    assert duty.status == ProjectStatus.REFUSED and "政府职责" in duty.status_note
    fine = _propose(world, fund, "修补破损步道", "20000", why="老人走路容易摔倒")
    assert fine.status == ProjectStatus.PROPOSED and fine.status_note == ""
    with pytest.raises(ApplicationError):
        _propose(world, fund, "装灯", "0")


def _receipt():
    out = io.BytesIO()
    Image.new("RGB", (800, 600), "white").save(out, format="JPEG")
    return SimpleUploadedFile("发票.jpg", out.getvalue(), content_type="image/jpeg")


def test_selection_follows_the_votes_within_the_budget(world, fund):
    staff = world.users["community_worker"]
    path = _propose(world, fund, "修补破损步道", "30000")
    gym = _propose(world, fund, "安装健身器材", "25000")
    seats = _propose(world, fund, "增设休闲座椅", "8000")
    lights = _propose(world, fund, "更换楼道灯", "6000")
    for project in (path, gym, seats, lights):
        projects.project_council(actor=staff, project=project, approve=True, note="议事会同意")
    now = timezone.now()
    vote = projects.fund_ballot(
        actor=staff,
        fund=fund,
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=1),
        max_choices=2,
    )
    vote_open(actor=staff, vote=vote)
    option = {o.project_id: o.pk for o in vote.options.all()}
    # Three households: the path gets 3 votes, the gym 2, the seats 1, the lights none.
    choices = {"zhangsan": [path, gym], "zhaoliu": [path, gym], "wangwu": [path, seats]}
    for key, picked in choices.items():
        entry = roll_entry_for(vote, world.residents[key])
        ballot_cast(vote=vote, entry=entry, choices=[option[p.pk] for p in picked])
    vote_close(actor=staff, vote=vote)
    chosen = projects.fund_select(actor=staff, fund=fund)
    assert chosen == [path, seats]  # 30,000 + 8,000; the gym (25,000) no longer fits
    for project in (path, gym, seats, lights):
        project.refresh_from_db()
    assert path.status == seats.status == ProjectStatus.SELECTED
    assert gym.status == ProjectStatus.NOT_SELECTED and "剩余预算只有 20000" in gym.status_note
    assert lights.status == ProjectStatus.NOT_SELECTED and "没有得票" in lights.status_note
    assert "得 1 票" in seats.status_note and "余额 12000" in seats.status_note

    projects.project_implement(actor=staff, project=path, implementer="某某市政公司")
    with pytest.raises(ApplicationError):
        projects.spending_add(
            actor=staff,
            project=path,
            item="材料",
            amount=Decimal("1"),
            spent_on=dt.date(2026, 11, 1),
            receipt=None,
        )
    projects.spending_add(
        actor=staff,
        project=path,
        item="水泥砖石",
        amount=Decimal("12000"),
        spent_on=dt.date(2026, 11, 1),
        receipt=_receipt(),
    )
    assert projects.spent(path) == Decimal("12000")
    with pytest.raises(ApplicationError):
        projects.project_rate(user=world.users["resident"], project=path, rating="satisfied")
    projects.project_accept(actor=staff, project=path, note="验收合格")
    projects.project_supervise(actor=staff, project=path, note="资金使用公开透明")
    projects.project_rate(user=world.users["resident"], project=path, rating="satisfied")
    steps = list(path.steps.values_list("step", flat=True))
    assert steps == [
        "party_proposes",
        "council_decides",
        "committee_implements",
        "party_accepts",
        "supervision",
    ]


def test_the_public_pages_show_budget_reasons_and_spending(world, fund):
    staff = world.client("community_worker")
    resident = world.client("resident")
    resident.post(
        f"/funds/{fund.pk}/propose/",
        {"title": "补贴停车费", "place": "小区", "why": "停车费太贵", "estimate": "5000"},
    )
    page = resident.get(f"/funds/{fund.pk}/").content.decode()
    assert "未通过审议" in page and "个人费用" in page
    bad = resident.post(
        f"/funds/{fund.pk}/propose/", {"title": "x", "place": "y", "why": "z", "estimate": "abc"}
    )
    assert bad.status_code == 400 and "金额应是数字" in bad.content.decode()
    assert world.client("nobody").get(f"/funds/{fund.pk}/").status_code == 404
    staff_page = staff.get(f"/funds/{fund.pk}/").content.decode()
    assert "组织投票与确定项目" in staff_page
    assert "组织投票与确定项目" not in page


def test_staff_register_a_fund_once_per_year(world):
    staff = world.client("community_worker")
    community = world.regions["C"]
    response = staff.post(
        "/funds/new/", {"community": community.pk, "year": 2027, "budget": "60000"}
    )
    fund = Fund.objects.get(community=community, year=2027)
    assert response.status_code == 302 and fund.budget == Decimal("60000")
    again = staff.post(
        "/funds/new/", {"community": community.pk, "year": 2027, "budget": "1"}, follow=True
    )
    assert "已经登记过了" in again.content.decode()
    assert (
        world.client("grid_worker")
        .post("/funds/new/", {"community": community.pk, "year": 2028, "budget": "1"})
        .status_code
        == 404
    )


def test_milestones_move_the_progress(world, fund):
    staff = world.users["community_worker"]
    project = _propose(world, fund, "修补破损步道", "20000")
    projects.project_council(actor=staff, project=project, approve=True, note="同意")
    project.status = ProjectStatus.SELECTED
    project.save()
    first = projects.milestone_add(project=project, title="拆除旧砖", due_on=dt.date(2026, 5, 1))
    projects.milestone_add(project=project, title="铺设新砖", due_on=dt.date(2026, 5, 20))
    project = projects.milestone_done(
        project=project, milestone_id=first.pk, done_on=dt.date(2026, 5, 2)
    )
    assert project.progress == 50
    with pytest.raises(ApplicationError):
        projects.milestone_done(project=project, milestone_id=first.pk, done_on=dt.date(2026, 5, 3))
    page = world.client("resident").get(f"/projects/{project.pk}/").content.decode()
    assert "拆除旧砖" in page and "50%" in page


def test_topics_and_projects_through_the_api(world, fund):
    import json

    api = world.api("resident")
    scope = f"e{world.buildings['红星小区3'].estate_id}"
    created = api.post(
        "/api/v1/topics",
        json.dumps(
            {"title": "增设座椅", "body": "老人需要", "signature": "李秀英", "scope": scope}
        ),
        content_type="application/json",
    )
    assert created.status_code == 201 and created.json()["status"] == "submitted"
    bad = api.post(
        "/api/v1/topics",
        json.dumps({"title": "x", "body": "y", "signature": "z", "scope": "r999999"}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "scope"
    assert [t["title"] for t in api.get("/api/v1/topics").json()] == ["增设座椅"]
    refused = api.post(
        f"/api/v1/funds/{fund.pk}/projects",
        json.dumps({"title": "补贴物业费", "place": "全社区", "why": "减负", "estimate": "5000"}),
        content_type="application/json",
    )
    assert refused.status_code == 201 and refused.json()["status"] == "refused"
    assert "个人费用" in refused.json()["reason"]
    detail = api.get(f"/api/v1/funds/{fund.pk}").json()
    assert detail["budget"] == "50000.00" and len(detail["projects"]) == 1
