"""Accounts: role assignments and API tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from weiwang.accounts.models import ApiToken, RoleAssignment, User
from weiwang.regions.models import Building, Region


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def role_assign(
    *, user: User, role: str, region: Region, building: Building | None = None
) -> RoleAssignment:
    return RoleAssignment.objects.get_or_create(
        user=user, role=role, region=region, defaults={"building": building}
    )[0]


@transaction.atomic
def api_token_issue(*, user: User) -> str:
    """Create a bearer token; the caller shows it once, only its digest is kept."""
    token = secrets.token_urlsafe(32)
    ApiToken.objects.create(
        user=user,
        digest=_digest(token),
        expires_at=timezone.now() + dt.timedelta(hours=settings.API_TOKEN_TTL_HOURS),
    )
    return token


def user_for_api_token(token: str) -> User | None:
    row = (
        ApiToken.objects.select_related("user")
        .filter(digest=_digest(token), expires_at__gt=timezone.now())
        .first()
    )
    if row is None or not row.user.is_active:
        return None
    return row.user
