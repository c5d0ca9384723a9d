"""Writes of 有事好商量: topics, their review, meetings, votes with a frozen roll, ballots by
channel (online or paper, never both), secret ballots with receipts, the close and the tally."""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.deliberation.models import (
    Ballot,
    Channel,
    Meeting,
    RollEntry,
    Threshold,
    Topic,
    TopicStatus,
    Vote,
    VoteKind,
    VoteOption,
    VoteStatus,
    VoteUnit,
)
from weiwang.notices.services import notify
from weiwang.people.models import Household, Resident
from weiwang.regions.models import Dwelling, Region, RegionLevel

YES_NO_LABELS = ("赞成", "反对", "弃权")


class AlreadyVoted(ApplicationError):
    pass


# -- topics and meetings ------------------------------------------------------------------------


def _scope_dwellings(topic: Topic):
    dwellings = Dwelling.objects.filter(region_path__startswith=topic.region_path)
    if topic.estate_id:
        dwellings = dwellings.filter(unit__building__estate_id=topic.estate_id)
    building_ids = list(topic.buildings.values_list("pk", flat=True))
    if building_ids:
        dwellings = dwellings.filter(unit__building_id__in=building_ids)
    return dwellings


def _affected_accounts(topic: Topic):
    from weiwang.accounts.models import User

    return User.objects.filter(
        resident__household__dwelling__in=_scope_dwellings(topic), resident__status="current"
    )


@transaction.atomic
def topic_propose(
    *,
    actor,
    title: str,
    body: str,
    signature: str,
    region: Region,
    estate=None,
    buildings=(),
    case=None,
) -> Topic:
    """A topic, written and signed by its proposer; `region` came through the access layer."""
    title, body, signature = title.strip(), body.strip(), signature.strip()
    if not title or not body:
        raise ApplicationError(_("请写明议题和具体内容。"), code="topic_text")
    if not signature:
        raise ApplicationError(_("请签上提议人的姓名。"), code="signature")
    if region.level not in (RegionLevel.COMMUNITY, RegionLevel.GRID, RegionLevel.MICRO_GRID):
        raise ApplicationError(_("议题范围应是社区、网格或微网格。"), code="topic_scope")
    topic = Topic.objects.create(
        title=title[:100],
        body=body,
        proposer=actor,
        signature=signature[:50],
        region=region,
        region_path=region.path,
        estate=estate,
        case=case,
    )
    if buildings:
        topic.buildings.set(buildings)
    audit_record(actor=actor, action="topic.propose", target_type="topic", target_id=topic.pk)
    return topic


@transaction.atomic
def topic_review(*, actor, topic: Topic, accept: bool, note: str = "") -> Topic:
    """The community Party committee accepts the topic, or refuses it with a reason the
    proposer sees. Accepted topics are announced to the residents they affect."""
    given, topic = topic, Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status != TopicStatus.SUBMITTED:
        raise ApplicationError(_("这个议题已经审核过了。"), code="topic_state")
    if not accept and not note.strip():
        raise ApplicationError(_("不予受理时请写明理由,提议人会看到。"), code="note_required")
    topic.status = TopicStatus.ACCEPTED if accept else TopicStatus.REFUSED
    topic.review_note, topic.reviewed_by = note.strip()[:300], actor
    topic.save()
    given.status, given.review_note, given.reviewed_by = topic.status, topic.review_note, actor
    url = reverse("topic_detail", args=[topic.pk])
    if accept:
        notify(
            users=_affected_accounts(topic),
            title=_("有事好商量:%(title)s,欢迎参与。") % {"title": topic.title},
            url=url,
        )
    notify(
        users=[topic.proposer],
        title=(_("您的议题已受理:%(title)s") if accept else _("您的议题未受理:%(title)s"))
        % {"title": topic.title},
        url=url,
    )
    audit_record(
        actor=actor,
        action="topic.review",
        target_type="topic",
        target_id=topic.pk,
        detail={"accepted": accept},
    )
    return topic


@transaction.atomic
def meeting_schedule(
    *,
    actor,
    topic: Topic,
    starts_at: dt.datetime,
    place: str,
    invited: str,
    agenda: str,
    online: bool = False,
) -> Meeting:
    if topic.status != TopicStatus.ACCEPTED:
        raise ApplicationError(_("议题受理后才能安排会议。"), code="topic_state")
    earliest = timezone.now() + dt.timedelta(days=settings.AGENDA_NOTICE_DAYS)
    if starts_at < earliest:
        raise ApplicationError(
            _("议程至少要在开会前 %(days)d 天公布:会议最早可以安排在 %(when)s。")
            % {
                "days": settings.AGENDA_NOTICE_DAYS,
                "when": timezone.localtime(earliest).strftime("%Y-%m-%d %H:%M"),
            },
            code="agenda_notice",
        )
    meeting = Meeting.objects.create(
        topic=topic,
        starts_at=starts_at,
        place=place.strip(),
        invited=invited.strip(),
        agenda=agenda.strip(),
        online=online,
    )
    notify(
        users=_affected_accounts(topic),
        title=_("协商会议 %(when)s:%(title)s")
        % {"when": timezone.localtime(starts_at).strftime("%m-%d %H:%M"), "title": topic.title},
        url=reverse("topic_detail", args=[topic.pk]),
    )
    return meeting


def meeting_record(*, meeting: Meeting, attendance: str, minutes: str) -> Meeting:
    meeting.attendance, meeting.minutes = attendance.strip()[:500], minutes.strip()
    meeting.save(update_fields=["attendance", "minutes"])
    return meeting


# -- votes ----------------------------------------------------------------------------------


@transaction.atomic
def vote_create(
    *,
    actor,
    topic: Topic,
    question: str,
    kind: str,
    options: list[str],
    unit: str,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    quorum: Decimal,
    threshold: str,
    secret: bool = False,
    allow_change: bool = False,
    max_choices: int = 1,
) -> Vote:
    if topic.status != TopicStatus.ACCEPTED:
        raise ApplicationError(_("议题受理后才能发起表决。"), code="topic_state")
    labels = list(YES_NO_LABELS) if kind == VoteKind.YES_NO else [o.strip() for o in options]
    labels = [label for label in labels if label]
    if len(labels) < 2:
        raise ApplicationError(_("至少需要两个选项。"), code="options")
    if closes_at <= opens_at:
        raise ApplicationError(_("截止时间要晚于开始时间。"), code="window")
    if not Decimal("0") <= quorum <= Decimal("1"):
        raise ApplicationError(_("参与率要求应在 0 到 1 之间,例如 0.5。"), code="quorum")
    if kind == VoteKind.MULTIPLE and not 1 <= max_choices <= len(labels):
        raise ApplicationError(_("最多可选项数不正确。"), code="max_choices")
    vote = Vote.objects.create(
        topic=topic,
        question=question.strip()[:200],
        kind=kind,
        max_choices=max_choices if kind == VoteKind.MULTIPLE else 1,
        unit=unit,
        opens_at=opens_at,
        closes_at=closes_at,
        quorum=quorum,
        threshold=threshold,
        secret=secret,
        allow_change=allow_change,
    )
    VoteOption.objects.bulk_create(
        VoteOption(vote=vote, label=label, sort=i) for i, label in enumerate(labels)
    )
    audit_record(actor=actor, action="vote.create", target_type="vote", target_id=vote.pk)
    return vote


@transaction.atomic
def vote_open(*, actor, vote: Vote, now: dt.datetime | None = None) -> int:
    """Freeze the roll: the households (or adult residents) living in the topic's scope now.
    Whoever moves in later is not on it. Returns the size of the roll."""
    given, vote = vote, Vote.objects.select_for_update().get(pk=vote.pk)
    if vote.status != VoteStatus.DRAFT:
        raise ApplicationError(_("表决已经开始过了。"), code="vote_state")
    now = now or timezone.now()
    dwellings = _scope_dwellings(vote.topic)
    living = Resident.objects.filter(household__dwelling__in=dwellings, status="current")
    if vote.unit == VoteUnit.HOUSEHOLD:
        homes = Household.objects.filter(pk__in=living.values("household_id"))
        entries = [RollEntry(vote=vote, household_id=h) for h in homes.values_list("pk", flat=True)]
    else:
        today = timezone.localtime(now).date()
        adult_born_by = (
            today.replace(year=today.year - 18)
            if not (today.month == 2 and today.day == 29)
            else today.replace(year=today.year - 18, day=28)
        )
        adults = living.filter(birth_date__lte=adult_born_by)
        entries = [
            RollEntry(vote=vote, household_id=h, resident_id=r)
            for r, h in adults.values_list("pk", "household_id")
        ]
    RollEntry.objects.bulk_create(entries, batch_size=2000)
    vote.status = given.status = VoteStatus.OPEN
    vote.save(update_fields=["status"])
    audit_record(
        actor=actor,
        action="vote.open",
        target_type="vote",
        target_id=vote.pk,
        detail={"roll": len(entries)},
    )
    return len(entries)


def roll_entry_for(vote: Vote, resident: Resident | None) -> RollEntry | None:
    if resident is None:
        return None
    entries = RollEntry.objects.filter(vote=vote)
    if vote.unit == VoteUnit.HOUSEHOLD:
        return entries.filter(household_id=resident.household_id, resident__isnull=True).first()
    return entries.filter(resident=resident).first()


def _check_choices(vote: Vote, choices: list[int]) -> list[int]:
    valid = set(vote.options.values_list("pk", flat=True))
    try:
        chosen = sorted({int(c) for c in choices})
    except (TypeError, ValueError):
        raise ApplicationError(_("请在列出的选项中选择。"), code="choices") from None
    if not chosen or not set(chosen) <= valid:
        raise ApplicationError(_("请在列出的选项中选择。"), code="choices")
    if len(chosen) > vote.max_choices:
        raise ApplicationError(_("最多只能选 %(n)d 项。") % {"n": vote.max_choices}, code="choices")
    return chosen


def _check_window(vote: Vote, now: dt.datetime) -> None:
    if vote.status != VoteStatus.OPEN or not vote.opens_at <= now < vote.closes_at:
        raise ApplicationError(_("现在不在投票时间内。"), code="vote_closed")


def _receipt_hash(vote: Vote, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"{vote.pk}:{code.strip()}".encode(), hashlib.sha256).hexdigest()


def ballot_cast(
    *,
    vote: Vote,
    entry: RollEntry | None,
    choices: list[int],
    channel: str = Channel.ONLINE,
    now: dt.datetime | None = None,
) -> str:
    """Cast the one ballot of a roll entry, online or on paper (entered by staff), whichever
    comes first: the entry flips to voted by a conditional update, so a second ballot (any
    channel, any number of concurrent requests) is refused. Returns the receipt code of a
    secret ballot (the voter's alone; only its hash is kept), else ""."""
    now = now or timezone.now()
    if entry is None:
        raise ApplicationError(_("您不在这次表决的名册上。"), code="not_on_roll")
    _check_window(vote, now)
    chosen = _check_choices(vote, choices)
    code = secrets.token_hex(4) if vote.secret else ""
    with transaction.atomic():
        flipped = RollEntry.objects.filter(pk=entry.pk, voted=False).update(
            voted=True, channel=channel
        )
        if not flipped:
            raise AlreadyVoted(_("已经投过票了,每人(户)只有一票。"), code="already_voted")
        try:
            Ballot.objects.create(
                vote=vote,
                roll_entry=None if vote.secret else entry,
                receipt_hash=_receipt_hash(vote, code) if vote.secret else "",
                choices=chosen,
            )
        except IntegrityError:
            raise AlreadyVoted(_("已经投过票了,每人(户)只有一票。"), code="already_voted") from None
    return code


@transaction.atomic
def ballot_change(
    *,
    vote: Vote,
    choices: list[int],
    entry: RollEntry | None = None,
    receipt: str = "",
    now: dt.datetime | None = None,
) -> None:
    """Change a ballot before the close, where the vote allows it: an open ballot by its
    voter, a secret ballot only with its receipt code."""
    now = now or timezone.now()
    if not vote.allow_change:
        raise ApplicationError(_("这次表决投票后不能修改。"), code="no_change")
    _check_window(vote, now)
    chosen = _check_choices(vote, choices)
    if vote.secret:
        ballots = Ballot.objects.filter(vote=vote, receipt_hash=_receipt_hash(vote, receipt))
    else:
        ballots = (
            Ballot.objects.filter(vote=vote, roll_entry=entry) if entry else Ballot.objects.none()
        )
    if not ballots.update(choices=chosen):
        raise ApplicationError(_("找不到您的选票:请核对回执码。"), code="no_ballot")


def tally(vote: Vote) -> dict:
    """Turnout, votes per option and the outcome, from the ballots and the roll alone."""
    roll = RollEntry.objects.filter(vote=vote).count()
    voted = RollEntry.objects.filter(vote=vote, voted=True).count()
    options = list(vote.options.all())
    counts = {o.pk: 0 for o in options}
    ballots = 0
    for choices in Ballot.objects.filter(vote=vote).values_list("choices", flat=True):
        ballots += 1
        for option in choices:
            counts[option] = counts.get(option, 0) + 1
    quorum_met = roll > 0 and Decimal(voted) / Decimal(roll) >= vote.quorum

    def meets(count: int) -> bool:
        if vote.threshold == Threshold.ROLL:
            return count * 2 > roll
        if vote.threshold == Threshold.TWO_THIRDS:
            return ballots > 0 and count * 3 >= ballots * 2
        return count * 2 > ballots

    if vote.kind == VoteKind.YES_NO:
        candidates = options[:1]  # 赞成
    elif vote.kind == VoteKind.SINGLE:
        top = max(counts.values(), default=0)
        leaders = [o for o in options if counts[o.pk] == top and top > 0]
        candidates = leaders if len(leaders) == 1 else []  # a tie decides nothing
    else:
        candidates = options
    winners = [o.pk for o in candidates if quorum_met and meets(counts[o.pk])]
    return {
        "roll": roll,
        "voted": voted,
        "ballots": ballots,
        "turnout": round(voted / roll, 4) if roll else 0.0,
        "counts": {str(k): v for k, v in counts.items()},
        "quorum_met": quorum_met,
        "winners": winners,
        "passed": bool(winners),
    }


@transaction.atomic
def vote_close(*, actor, vote: Vote, now: dt.datetime | None = None) -> dict:
    """Close the vote, store the tally and publish it; a topic from a case closes that case
    with a link to the result."""
    given, vote = vote, Vote.objects.select_for_update().select_related("topic").get(pk=vote.pk)
    if vote.status != VoteStatus.OPEN:
        raise ApplicationError(_("只有投票中的表决可以结束。"), code="vote_state")
    now = now or timezone.now()
    vote.result = given.result = tally(vote)
    vote.status, vote.closed_at = VoteStatus.CLOSED, now
    given.status, given.closed_at = vote.status, now
    vote.save(update_fields=["result", "status", "closed_at"])
    topic = vote.topic
    topic.status = TopicStatus.DECIDED
    topic.save(update_fields=["status"])
    summary = _summary(vote)
    url = reverse("topic_detail", args=[topic.pk])
    notify(users=_affected_accounts(topic), title=summary, url=url)
    if topic.case_id:
        from weiwang.cases.services import case_close_by_decision

        case_close_by_decision(case=topic.case, note=f"{summary} {url}", actor=actor, now=now)
    audit_record(
        actor=actor, action="vote.close", target_type="vote", target_id=vote.pk, detail=vote.result
    )
    return vote.result


def _summary(vote: Vote) -> str:
    names = dict(vote.options.values_list("pk", "label"))
    winners = "、".join(names[w] for w in vote.result.get("winners", []))
    if vote.result.get("passed"):
        return _("表决结果:%(question)s——通过(%(winners)s)") % {
            "question": vote.question,
            "winners": winners,
        }
    return _("表决结果:%(question)s——未通过") % {"question": vote.question}


def votes_due_to_close(now: dt.datetime) -> list[Vote]:
    return list(Vote.objects.filter(status=VoteStatus.OPEN, closes_at__lte=now))


def vote_publicity_until(vote: Vote) -> dt.datetime | None:
    return vote.closed_at + dt.timedelta(days=vote.publicity_days) if vote.closed_at else None


@transaction.atomic
def task_add(*, actor, topic: Topic, title: str, responsible: str, due_on: dt.date):
    """Turn the decision into a follow-up task (only once the topic is decided)."""
    from weiwang.deliberation.models import FollowUpTask

    if topic.status != TopicStatus.DECIDED:
        raise ApplicationError(_("表决结果公布后才能安排落实任务。"), code="topic_state")
    if not title.strip() or not responsible.strip():
        raise ApplicationError(_("请写明任务和责任方。"), code="task_fields")
    task = FollowUpTask.objects.create(
        topic=topic, title=title.strip()[:200], responsible=responsible.strip()[:100], due_on=due_on
    )
    audit_record(actor=actor, action="topic.task", target_type="topic", target_id=topic.pk)
    return task


@transaction.atomic
def task_done(*, actor, task, note: str):
    if task.done_at:
        raise ApplicationError(_("这项任务已经完成。"), code="task_done")
    if not note.strip():
        raise ApplicationError(_("请写明完成情况。"), code="note_required")
    task.done_at, task.done_note = timezone.now(), note.strip()[:300]
    task.save(update_fields=["done_at", "done_note"])
    notify(
        users=_affected_accounts(task.topic),
        title=_("落实情况:%(task)s 已完成") % {"task": task.title},
        url=reverse("topic_detail", args=[task.topic_id]),
    )
    audit_record(
        actor=actor, action="topic.task_done", target_type="topic", target_id=task.topic_id
    )
    return task
