from __future__ import annotations

import datetime as dt

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from weiwang.core.errors import ApplicationError
from weiwang.people.selectors import get_resident_for_user, search_residents

router = Router(tags=["residents"])


class ResidentOut(Schema):
    id: int
    name: str
    sex: str
    birth_date: dt.date | None
    id_number_masked: str
    phones_masked: list[str]
    address: str
    residence_type: str
    relation_to_head: str
    tags: list[str]
    micro_grid_id: int


class ResidentPageOut(Schema):
    results: list[ResidentOut]
    next_cursor: str | None


class ResidentFilter(Schema):
    q: str = ""
    tag: str = ""
    cursor: str | None = None
    limit: int = 20


def _resident(resident) -> dict:
    return {
        "id": resident.id,
        "name": resident.name,
        "sex": resident.sex,
        "birth_date": resident.birth_date,
        "id_number_masked": resident.id_number_masked,
        "phones_masked": [p.number_masked for p in resident.phones.all()],
        "address": resident.household.dwelling.address,
        "residence_type": resident.residence_type,
        "relation_to_head": resident.relation_to_head,
        "tags": [link.tag.name for link in resident.tag_links.all()],
        "micro_grid_id": resident.micro_grid_id,
    }


@router.get("", response=ResidentPageOut)
def resident_list(request: HttpRequest, filters: Query[ResidentFilter]):
    """Residents the caller may see, keyset-paginated: pass `next_cursor` back as `cursor`."""
    try:
        after = int(filters.cursor) if filters.cursor else None
    except ValueError:
        raise ApplicationError(
            _("cursor 无效,请使用上一页返回的 next_cursor。"), code="bad_cursor"
        ) from None
    limit = max(1, min(filters.limit, 100))
    page = search_residents(
        request.user, query=filters.q, tag=filters.tag, after=after, limit=limit
    )
    return {
        "results": [_resident(r) for r in page.rows],
        "next_cursor": str(page.next_cursor) if page.next_cursor else None,
    }


@router.get("/{resident_id}", response=ResidentOut)
def resident_detail(request: HttpRequest, resident_id: int):
    """One resident, masked (404 when out of scope)."""
    return _resident(get_resident_for_user(request.user, resident_id))
