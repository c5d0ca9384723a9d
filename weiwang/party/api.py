"""Party building in the JSON API: the community's figures, and the needs list (post, claim,
done, rate) with the same rules as the pages."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest
from ninja import Router, Schema, Status

from weiwang.access import get_or_404
from weiwang.party import selectors, services
from weiwang.party.models import PartyMember
from weiwang.regions.selectors import home_community

router = Router(tags=["party"])


class FiguresOut(Schema):
    community: str
    members: int
    shown: int
    dual: int
    units: int
    organisations: int


class NeedIn(Schema):
    title: str
    description: str = ""


class NeedOut(Schema):
    id: int
    title: str
    status: str
    member: str | None
    unit: str | None
    rating: int | None
    created_at: dt.datetime


class MoveIn(Schema):
    move: str  # claim | done | rate | withdraw
    note: str = ""
    rating: int | None = None


def _need(n) -> dict:
    return {
        "id": n.pk,
        "title": n.title,
        "status": n.status,
        "member": n.member.name if n.member else None,
        "unit": n.unit.name if n.unit else None,
        "rating": n.rating,
        "created_at": n.created_at,
    }


def _home(user):
    community = home_community(user)
    if community is None:
        raise Http404
    return community


@router.get("/figures", response=FiguresOut)
def figures(request: HttpRequest):
    community = _home(request.user)
    f = selectors.figures(community)
    return {
        "community": community.name,
        "members": f.members,
        "shown": f.shown,
        "dual": f.dual,
        "units": f.units,
        "organisations": f.organisations,
    }


@router.get("/needs", response=list[NeedOut])
def need_list(request: HttpRequest, status: str = ""):
    needs = selectors.needs_for_user(request.user)
    if status:
        needs = needs.filter(status=status)
    return [_need(n) for n in needs[:200]]


@router.post("/needs", response={201: NeedOut})
def need_post(request: HttpRequest, payload: NeedIn):
    need = services.need_post(
        actor=request.user,
        community=_home(request.user),
        title=payload.title,
        description=payload.description,
    )
    return Status(201, _need(need))


@router.post("/needs/{pk}/actions", response=NeedOut)
def need_move(request: HttpRequest, pk: int, payload: MoveIn):
    """A member claims (or marks done) a need; its poster rates or withdraws it."""
    need = get_or_404(selectors.needs_for_user(request.user), pk)
    member = PartyMember.objects.filter(user=request.user).first()
    if not selectors.may_move_need(request.user, need, payload.move, member=member):
        raise Http404
    moved = services.need_move(
        actor=request.user,
        need=need,
        move=payload.move,
        member=member if payload.move == "claim" else None,
        note=payload.note,
        rating=payload.rating,
    )
    return _need(moved)
