"""Votes in the JSON API: a vote with its options (and result once closed), and ballots:
201 on the first ballot, 409 when this voter (household) already voted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status

from weiwang.access import Action, can, get_or_404
from weiwang.core.errors import ApplicationError
from weiwang.deliberation import selectors, services
from weiwang.deliberation.models import VoteStatus

router = Router(tags=["votes"])


class OptionOut(Schema):
    id: int
    label: str


class VoteOut(Schema):
    id: int
    question: str
    kind: str
    unit: str
    secret: bool
    allow_change: bool
    max_choices: int
    status: str
    opens_at: dt.datetime
    closes_at: dt.datetime
    options: list[OptionOut]
    on_roll: bool
    voted: bool
    result: dict | None


class BallotIn(Schema):
    choices: list[int]


class BallotOut(Schema):
    receipt: str  # a secret ballot's receipt code (shown once); empty for open ballots


class ErrorOut(Schema):
    error: dict


def _vote(request, vote) -> dict:
    entry = services.roll_entry_for(vote, getattr(request.user, "resident", None))
    return {
        "id": vote.pk,
        "question": vote.question,
        "kind": vote.kind,
        "unit": vote.unit,
        "secret": vote.secret,
        "allow_change": vote.allow_change,
        "max_choices": vote.max_choices,
        "status": vote.status,
        "opens_at": vote.opens_at,
        "closes_at": vote.closes_at,
        "options": [{"id": o.pk, "label": o.label} for o in vote.options.all()],
        "on_roll": entry is not None,
        "voted": bool(entry and entry.voted),
        "result": vote.result if vote.status == VoteStatus.CLOSED else None,
    }


@router.get("/{vote_id}", response=VoteOut)
def vote_detail(request: HttpRequest, vote_id: int):
    return _vote(request, selectors.get_vote_for_user(request.user, vote_id))


@router.post("/{vote_id}/ballots", response={201: BallotOut, 409: ErrorOut})
def ballot_create(request: HttpRequest, vote_id: int, payload: BallotIn):
    """Vote online. Refused with 409 when this voter or household has voted already (online
    or on paper); other refusals (not on the roll, closed, bad choices) are 400."""
    vote = selectors.get_vote_for_user(request.user, vote_id)
    entry = services.roll_entry_for(vote, getattr(request.user, "resident", None))
    try:
        receipt = services.ballot_cast(vote=vote, entry=entry, choices=payload.choices)
    except services.AlreadyVoted as error:
        return Status(409, {"error": {"code": error.code, "message": error.message}})
    return Status(201, {"receipt": receipt})


# -- topics and micro-projects ------------------------------------------------------------------

topics_router = Router(tags=["topics"])
funds_router = Router(tags=["micro-projects"])


class TopicIn(Schema):
    title: str
    body: str
    signature: str
    scope: str  # "b<building id>", "e<estate id>" or "r<region id>", as /topics/new/ offers


class TopicOut(Schema):
    id: int
    title: str
    body: str
    status: str
    region_id: int
    case_id: int | None
    review_note: str
    meetings: list[dict]
    votes: list[dict]
    tasks: list[dict]


def _topic(topic) -> dict:
    return {
        "id": topic.pk,
        "title": topic.title,
        "body": topic.body,
        "status": topic.status,
        "region_id": topic.region_id,
        "case_id": topic.case_id,
        "review_note": topic.review_note,
        "meetings": [
            {
                "starts_at": m.starts_at.isoformat(),
                "place": m.place,
                "agenda": m.agenda,
                "minutes": m.minutes,
            }
            for m in topic.meetings.all()
        ],
        "votes": [
            {"id": v.pk, "question": v.question, "status": v.status} for v in topic.votes.all()
        ],
        "tasks": [
            {
                "title": t.title,
                "responsible": t.responsible,
                "due_on": t.due_on.isoformat(),
                "done": bool(t.done_at),
            }
            for t in topic.tasks.all()
        ],
    }


@topics_router.get("", response=list[TopicOut])
def topic_list(request: HttpRequest):
    """Topics the caller may see (their region's, or those affecting their home), newest first."""
    return [_topic(t) for t in selectors.topics_for_user(request.user).order_by("-id")[:100]]


@topics_router.get("/{topic_id}", response=TopicOut)
def topic_detail(request: HttpRequest, topic_id: int):
    return _topic(selectors.get_topic_for_user(request.user, topic_id))


@topics_router.post("", response={201: TopicOut})
def topic_create(request: HttpRequest, payload: TopicIn):
    from weiwang.deliberation.views import proposal_scopes, scope_objects

    if payload.scope not in dict(proposal_scopes(request.user)):
        raise ApplicationError(_("请从可选的范围中选择(见 /topics/new/)。"), code="scope")
    region, estate, buildings = scope_objects(payload.scope, request.user)
    topic = services.topic_propose(
        actor=request.user,
        title=payload.title,
        body=payload.body,
        signature=payload.signature,
        region=region,
        estate=estate,
        buildings=buildings,
    )
    return Status(201, _topic(topic))


class ProjectIn(Schema):
    title: str
    place: str
    why: str
    estimate: Decimal
    proposed_by: str = ""


def _project(project) -> dict:
    from weiwang.deliberation.projects import spent

    return {
        "id": project.pk,
        "title": project.title,
        "place": project.place,
        "estimate": str(project.estimate),
        "spent": str(spent(project)),
        "status": project.status,
        "reason": project.status_note,
        "progress": project.progress,
    }


@funds_router.get("", response=list[dict])
def fund_list(request: HttpRequest):
    return [
        {"id": f.pk, "community": f.community.name, "year": f.year, "budget": str(f.budget)}
        for f in selectors.funds_for_user(request.user).order_by("-year")[:50]
    ]


@funds_router.get("/{fund_id}", response=dict)
def fund_detail(request: HttpRequest, fund_id: int):
    fund = get_or_404(selectors.funds_for_user(request.user), fund_id)
    return {
        "id": fund.pk,
        "year": fund.year,
        "budget": str(fund.budget),
        "ballot_id": fund.ballot_id,
        "projects": [_project(p) for p in fund.projects.all()],
    }


@funds_router.post("/{fund_id}/projects", response={201: dict})
def project_create(request: HttpRequest, fund_id: int, payload: ProjectIn):
    """Propose a project; the answer says at once if the negative list refuses it, and why."""
    from weiwang.deliberation.projects import project_propose

    if not can(request.user, Action.PROPOSE_TOPICS):
        raise ApplicationError(_("您的账号不能提议项目。"), code="forbidden")
    fund = get_or_404(selectors.funds_for_user(request.user), fund_id)
    project = project_propose(
        actor=request.user,
        fund=fund,
        title=payload.title,
        place=payload.place,
        why=payload.why,
        estimate=payload.estimate,
        proposed_by=payload.proposed_by,
    )
    return Status(201, _project(project))
