"""Votes in the JSON API: a vote with its options (and result once closed), and ballots:
201 on the first ballot, 409 when this voter (household) already voted."""

from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from ninja import Router, Schema, Status

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
