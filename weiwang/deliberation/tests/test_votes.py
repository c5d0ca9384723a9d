"""Votes: the frozen roll, one ballot per voter across channels, secret ballots, quorum and
threshold, recount, and a topic from a case closing that case."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from weiwang.conftest import valid_id
from weiwang.core.errors import ApplicationError
from weiwang.deliberation.models import Ballot, Channel, RollEntry, Vote, VoteOption
from weiwang.deliberation.services import (
    AlreadyVoted,
    ballot_cast,
    ballot_change,
    meeting_schedule,
    roll_entry_for,
    tally,
    topic_propose,
    topic_review,
    vote_close,
    vote_create,
    vote_open,
)
from weiwang.people.models import Resident
from weiwang.people.services import resident_create


@pytest.fixture
def topic(world):
    topic = topic_propose(
        actor=world.users["resident"],
        title="垃圾桶摆放位置",
        body="高层住户希望就近摆放,低层住户担心气味和蚊虫。",
        signature="李秀英",
        region=world.regions["C"],
    )
    return topic_review(actor=world.users["community_worker"], topic=topic, accept=True)


def _vote(world, topic, **extra):
    now = timezone.now()
    options = extra.pop("options", ["集中投放点设在楼栋之间", "维持现状"])
    settings = {
        "kind": "single",
        "unit": "household",
        "quorum": Decimal("0.5"),
        "threshold": "simple",
        **extra,
    }
    return vote_create(
        actor=world.users["community_worker"],
        topic=topic,
        question="垃圾桶改设集中投放点",
        options=options,
        opens_at=now - dt.timedelta(minutes=1),
        closes_at=now + dt.timedelta(days=3),
        **settings,
    )


def _options(vote: Vote) -> list[int]:
    return list(vote.options.values_list("pk", flat=True))


def _entry(world, vote, key):
    return roll_entry_for(vote, world.residents[key])


def test_the_household_roll_is_frozen_when_the_vote_opens(world, topic):
    vote = _vote(world, topic)
    roll = vote_open(actor=world.users["community_worker"], vote=vote)
    assert roll == 3  # 张三's, 赵六's and 王五's households live in 兴乐社区
    newcomer = resident_create(
        actor=None,
        household=world.residents["sunqi"].household,
        name="新来的",
        id_number=valid_id("19800101", 611),
    )
    assert RollEntry.objects.filter(vote=vote).count() == 3
    with pytest.raises(ApplicationError) as caught:
        ballot_cast(vote=vote, entry=roll_entry_for(vote, newcomer), choices=_options(vote)[:1])
    assert caught.value.code == "not_on_roll"


def test_one_vote_per_household_whoever_casts_it(world, topic):
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    first = _options(vote)[0]
    ballot_cast(vote=vote, entry=_entry(world, vote, "lixiuying"), choices=[first])
    with pytest.raises(AlreadyVoted):
        ballot_cast(vote=vote, entry=_entry(world, vote, "zhangsan"), choices=[first])
    assert Ballot.objects.filter(vote=vote).count() == 1


def test_adults_only_on_a_per_person_roll(world, topic):
    child = resident_create(
        actor=None,
        household=world.residents["zhangsan"].household,
        name="张小宝",
        id_number=valid_id("20150601", 612),
        relation_to_head="child",
    )
    vote = _vote(world, topic, unit="adult")
    assert vote_open(actor=None, vote=vote) == 4  # 张三, 李秀英, 赵六, 王五; not the child
    assert roll_entry_for(vote, child) is None
    ballot_cast(vote=vote, entry=_entry(world, vote, "zhangsan"), choices=_options(vote)[:1])
    ballot_cast(vote=vote, entry=_entry(world, vote, "lixiuying"), choices=_options(vote)[:1])


def test_paper_and_online_never_both(world, topic):
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    choice = _options(vote)[:1]
    entry = _entry(world, vote, "zhaoliu")
    ballot_cast(vote=vote, entry=entry, choices=choice, channel=Channel.PAPER)
    with pytest.raises(AlreadyVoted):
        ballot_cast(vote=vote, entry=entry, choices=choice, channel=Channel.ONLINE)
    other = _entry(world, vote, "wangwu")
    ballot_cast(vote=vote, entry=other, choices=choice)
    with pytest.raises(AlreadyVoted):
        ballot_cast(vote=vote, entry=other, choices=choice, channel=Channel.PAPER)


def test_a_secret_ballot_names_no_voter_and_no_time(world, topic):
    vote = _vote(world, topic, secret=True, allow_change=True)
    vote_open(actor=None, vote=vote)
    first, second = _options(vote)
    receipt = ballot_cast(vote=vote, entry=_entry(world, vote, "zhaoliu"), choices=[first])
    assert receipt
    ballot = Ballot.objects.get(vote=vote)
    fields = {f.name for f in Ballot._meta.concrete_fields}
    assert fields == {"id", "vote", "roll_entry", "receipt_hash", "choices"}  # no time at all
    assert ballot.roll_entry is None and receipt not in ballot.receipt_hash
    entry_fields = {f.name for f in RollEntry._meta.concrete_fields}
    assert not {"voted_at", "created_at", "updated_at"} & entry_fields
    with pytest.raises(ApplicationError):
        ballot_change(vote=vote, choices=[second], receipt="wrong")
    ballot_change(vote=vote, choices=[second], receipt=receipt)
    assert Ballot.objects.get(vote=vote).choices == [second]


def test_changing_is_refused_where_the_vote_does_not_allow_it(world, topic):
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    entry = _entry(world, vote, "zhaoliu")
    ballot_cast(vote=vote, entry=entry, choices=_options(vote)[:1])
    with pytest.raises(ApplicationError) as caught:
        ballot_change(vote=vote, entry=entry, choices=_options(vote)[1:])
    assert caught.value.code == "no_change"


def _ballots(vote, *choices):
    """Put ballots straight in (the roll marks as many voters), for tally arithmetic."""
    entries = list(RollEntry.objects.filter(vote=vote))
    for entry, chosen in zip(entries, choices, strict=False):
        entry.voted = True
        entry.save()
        Ballot.objects.create(vote=vote, roll_entry=entry, choices=chosen)


def _tally_for(world, topic, kind, threshold, quorum, ballots, roll_unit="adult", **extra):
    vote = _vote(
        world,
        topic,
        kind=kind,
        threshold=threshold,
        quorum=Decimal(quorum),
        unit=roll_unit,
        **extra,
    )
    vote_open(actor=None, vote=vote)
    ids = _options(vote)
    _ballots(vote, *[[ids[i] for i in b] for b in ballots])
    return tally(vote), ids


def test_quorum_and_thresholds(world, topic):
    # Roll of 4 adults. Yes/no/abstain: 2 yes, 1 no.
    result, ids = _tally_for(world, topic, "yes_no", "simple", "0.5", [[0], [0], [1]])
    assert result["turnout"] == 0.75 and result["passed"]  # 2 of 3 ballots
    result, _ = _tally_for(world, topic, "yes_no", "roll", "0.5", [[0], [0], [1]])
    assert not result["passed"]  # 2 is not more than half of the roll of 4
    result, _ = _tally_for(world, topic, "yes_no", "two_thirds", "0.5", [[0], [0], [1]])
    assert result["passed"]  # 2 of 3 is two thirds
    result, _ = _tally_for(world, topic, "yes_no", "two_thirds", "0.5", [[0], [0], [1], [2]])
    assert not result["passed"]  # abstaining counts as a ballot: 2 of 4
    result, _ = _tally_for(world, topic, "yes_no", "simple", "0.8", [[0], [0], [0]])
    assert not result["quorum_met"] and not result["passed"]  # 3 of 4 voted, 80% needed
    result, _ = _tally_for(world, topic, "single", "simple", "0.5", [[0], [1]])
    assert not result["passed"]  # a tie decides nothing
    result, ids = _tally_for(
        world,
        topic,
        "multiple",
        "simple",
        "0.5",
        [[0, 1], [0], [0, 2]],
        options=["修路", "装健身器材", "增设座椅"],
        max_choices=2,
    )
    assert result["winners"] == [ids[0]]  # only 修路 has more than half of the ballots


def test_choices_are_checked(world, topic):
    vote = _vote(world, topic, kind="multiple", max_choices=1, options=["甲", "乙", "丙"])
    vote_open(actor=None, vote=vote)
    entry = _entry(world, vote, "zhaoliu")
    for bad in ([], [999999], _options(vote)[:2], ["x"]):
        with pytest.raises(ApplicationError):
            ballot_cast(vote=vote, entry=entry, choices=bad)
    assert not RollEntry.objects.get(pk=entry.pk).voted  # nothing lost, still free to vote


def test_the_close_publishes_and_recount_agrees(world, topic):
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    first = _options(vote)[0]
    for key in ("zhaoliu", "wangwu"):
        ballot_cast(vote=vote, entry=_entry(world, vote, key), choices=[first])
    result = vote_close(actor=world.users["community_worker"], vote=vote)
    assert result["passed"] and result["voted"] == 2 and result["roll"] == 3
    out = io.StringIO()
    call_command("recount", str(vote.pk), stdout=out)
    assert "agrees" in out.getvalue()
    Vote.objects.filter(pk=vote.pk).update(result={**result, "counts": {str(first): 3}})
    with pytest.raises(CommandError):
        call_command("recount", str(vote.pk), stdout=io.StringIO())
    with pytest.raises(ApplicationError):
        ballot_cast(vote=vote, entry=_entry(world, vote, "zhangsan"), choices=[first])


def test_a_topic_from_a_case_closes_the_case_with_the_result(world):
    from weiwang.cases.models import CaseCategory, CaseSource
    from weiwang.cases.services import case_report

    case, _code = case_report(
        actor=world.users["grid_worker"],
        category=CaseCategory.objects.get(code="dispute"),
        description="垃圾桶摆放引发矛盾",
        micro_grid=world.regions["M1"],
        source=CaseSource.WORKER,
    )
    topic = topic_propose(
        actor=world.users["community_worker"],
        title="垃圾桶摆放",
        body="协商确定垃圾桶位置",
        signature="社区",
        region=world.regions["C"],
        case=case,
    )
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    ballot_cast(vote=vote, entry=_entry(world, vote, "zhaoliu"), choices=_options(vote)[:1])
    ballot_cast(vote=vote, entry=_entry(world, vote, "wangwu"), choices=_options(vote)[:1])
    vote_close(actor=None, vote=vote)
    case.refresh_from_db()
    assert case.state == "resolved"
    last = case.events.last()
    assert last.action == "decided" and f"/topics/{topic.pk}/" in last.note


def test_topics_are_reviewed_and_meetings_announced_in_time(world):
    topic = topic_propose(
        actor=world.users["resident"],
        title="增设休闲座椅",
        body="小区内老人多,希望增设座椅",
        signature="李秀英",
        region=world.regions["C"],
    )
    with pytest.raises(ApplicationError) as caught:
        topic_review(actor=world.users["community_worker"], topic=topic, accept=False)
    assert caught.value.code == "note_required"
    topic_review(actor=world.users["community_worker"], topic=topic, accept=True)
    soon = timezone.now() + dt.timedelta(days=1)
    with pytest.raises(ApplicationError) as caught:
        meeting_schedule(
            actor=None,
            topic=topic,
            starts_at=soon,
            place="社区议事厅",
            invited="居民代表",
            agenda="议程",
        )
    assert caught.value.code == "agenda_notice"
    meeting = meeting_schedule(
        actor=None,
        topic=topic,
        starts_at=timezone.now() + dt.timedelta(days=3),
        place="社区议事厅",
        invited="居民代表、物业",
        agenda="一、情况介绍;二、协商;三、拟定方案",
    )
    assert meeting.pk and Resident.objects.exists()
    assert VoteOption.objects.count() == 0


def test_the_decision_becomes_follow_up_tasks(world, topic):
    from weiwang.deliberation.services import task_add, task_done

    with pytest.raises(ApplicationError) as caught:
        task_add(
            actor=None,
            topic=topic,
            title="设集中投放点",
            responsible="物业",
            due_on=dt.date(2026, 12, 31),
        )
    assert caught.value.code == "topic_state"  # not decided yet
    vote = _vote(world, topic)
    vote_open(actor=None, vote=vote)
    for key in ("zhaoliu", "wangwu"):
        ballot_cast(vote=vote, entry=_entry(world, vote, key), choices=_options(vote)[:1])
    vote_close(actor=None, vote=vote)
    topic.refresh_from_db()
    task = task_add(
        actor=None,
        topic=topic,
        title="设集中投放点",
        responsible="物业",
        due_on=dt.date(2026, 12, 31),
    )
    with pytest.raises(ApplicationError):
        task_done(actor=None, task=task, note=" ")
    task_done(actor=None, task=task, note="已在3栋与4栋之间设点")
    page = world.client("resident").get(f"/topics/{topic.pk}/").content.decode()
    assert "设集中投放点" in page and "已在3栋与4栋之间设点" in page
