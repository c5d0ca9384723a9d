"""有事好商量 on pages and through the API: propose, review, meeting, vote online and on
paper, close and publish; POST /api/v1/votes/{id}/ballots answers 201 then 409."""

from __future__ import annotations

import datetime as dt
import json

from django.utils import timezone

from weiwang.deliberation.models import Ballot, Topic, Vote


def _local(delta: dt.timedelta) -> str:
    return timezone.localtime(timezone.now() + delta).strftime("%Y-%m-%dT%H:%M")


def test_from_proposal_to_published_result(world):
    resident = world.client("resident")
    page = resident.get("/topics/new/").content.decode()
    assert "红星小区3栋" in page and "兴乐社区" in page
    scope = f"e{world.buildings['红星小区3'].estate_id}"
    resident.post(
        "/topics/new/",
        {
            "title": "增设休闲座椅",
            "body": "老人多,希望增设座椅",
            "scope": scope,
            "signature": "李秀英",
        },
    )
    topic = Topic.objects.get()
    assert topic.status == "submitted" and topic.estate_id == world.buildings["红星小区3"].estate_id
    staff = world.client("community_worker")
    refused = staff.post(f"/topics/{topic.pk}/review/", {"decision": "refuse"}, follow=True)
    assert "请写明理由" in refused.content.decode()
    staff.post(f"/topics/{topic.pk}/review/", {"decision": "accept", "note": "同意"})
    too_soon = staff.post(
        f"/topics/{topic.pk}/meetings/",
        {"starts_at": _local(dt.timedelta(hours=5)), "place": "议事厅", "agenda": "议程"},
        follow=True,
    )
    assert "至少要在开会前" in too_soon.content.decode()
    staff.post(
        f"/topics/{topic.pk}/meetings/",
        {
            "starts_at": _local(dt.timedelta(days=3)),
            "place": "议事厅",
            "invited": "居民代表",
            "agenda": "协商座椅位置",
        },
    )
    assert topic.meetings.count() == 1
    staff.post(
        f"/topics/{topic.pk}/votes/",
        {
            "question": "是否增设座椅",
            "kind": "yes_no",
            "unit": "household",
            "opens_at": _local(-dt.timedelta(minutes=5)),
            "closes_at": _local(dt.timedelta(days=2)),
            "quorum": "0.3",
            "threshold": "simple",
        },
    )
    vote = Vote.objects.get()
    staff.post(f"/votes/{vote.pk}/state/", {"what": "open"})
    vote.refresh_from_db()
    assert vote.status == "open" and vote.roll.count() == 2  # 红星小区's two households
    page = resident.get(f"/votes/{vote.pk}/").content.decode()
    assert "请投票" in page
    yes = vote.options.first().pk
    resident.post(f"/votes/{vote.pk}/ballot/", {"choice": [yes]})
    again = resident.post(f"/votes/{vote.pk}/ballot/", {"choice": [yes]}, follow=True)
    assert "已经投过票了" in again.content.decode()
    outsider = world.client("grid_worker2").get(f"/votes/{vote.pk}/")
    assert outsider.status_code == 404  # grid 2 staff: 红星小区 is not theirs
    staff.post(f"/votes/{vote.pk}/state/", {"what": "close"})
    result = resident.get(f"/votes/{vote.pk}/").content.decode()
    assert "表决结果" in result and "通过" in result and "公示至" in result


def test_the_api_answers_201_then_409(world):
    from decimal import Decimal

    from weiwang.deliberation.services import topic_propose, topic_review, vote_create, vote_open

    topic = topic_propose(
        actor=world.users["resident"],
        title="修路",
        body="修补破损步道",
        signature="李秀英",
        region=world.regions["C"],
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    vote = vote_create(
        actor=None,
        topic=topic,
        question="是否修路",
        kind="yes_no",
        options=[],
        unit="adult",
        opens_at=timezone.now() - dt.timedelta(minutes=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
        quorum=Decimal("0.5"),
        threshold="simple",
        secret=True,
    )
    vote_open(actor=None, vote=vote)
    api = world.api("resident")
    detail = api.get(f"/api/v1/votes/{vote.pk}").json()
    assert detail["on_roll"] and not detail["voted"] and detail["result"] is None
    yes = detail["options"][0]["id"]
    first = api.post(
        f"/api/v1/votes/{vote.pk}/ballots",
        json.dumps({"choices": [yes]}),
        content_type="application/json",
    )
    assert first.status_code == 201 and len(first.json()["receipt"]) == 8
    second = api.post(
        f"/api/v1/votes/{vote.pk}/ballots",
        json.dumps({"choices": [yes]}),
        content_type="application/json",
    )
    assert second.status_code == 409 and second.json()["error"]["code"] == "already_voted"
    bad = world.api("party_member").post(
        f"/api/v1/votes/{vote.pk}/ballots",
        json.dumps({"choices": [999]}),
        content_type="application/json",
    )
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "choices"
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_paper_ballots_are_entered_against_the_roll(world):
    from decimal import Decimal

    from weiwang.deliberation.services import (
        roll_entry_for,
        topic_propose,
        topic_review,
        vote_create,
        vote_open,
    )

    topic = topic_propose(
        actor=world.users["community_worker"],
        title="垃圾桶",
        body="集中投放点",
        signature="社区",
        region=world.regions["C"],
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    vote = vote_create(
        actor=None,
        topic=topic,
        question="设集中投放点",
        kind="yes_no",
        options=[],
        unit="household",
        opens_at=timezone.now() - dt.timedelta(minutes=1),
        closes_at=timezone.now() + dt.timedelta(days=1),
        quorum=Decimal("0.5"),
        threshold="simple",
    )
    vote_open(actor=None, vote=vote)
    staff = world.client("community_worker")
    entry = roll_entry_for(vote, world.residents["zhaoliu"])
    yes = vote.options.first().pk
    page = staff.get(f"/votes/{vote.pk}/").content.decode()
    assert "录入现场纸质票" in page and "红星小区4栋1单元101" in page
    staff.post(f"/votes/{vote.pk}/paper/", {"entry": entry.pk, "choice": [yes]})
    entry.refresh_from_db()
    assert entry.voted and entry.channel == "paper"
    party = world.client("party_member")  # 赵六 himself, online: refused
    refused = party.post(f"/votes/{vote.pk}/ballot/", {"choice": [yes]}, follow=True)
    assert "已经投过票了" in refused.content.decode()
    assert world.client("grid_worker").post(f"/votes/{vote.pk}/paper/", {}).status_code == 404
