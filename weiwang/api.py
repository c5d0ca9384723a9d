"""The JSON API under /api/v1/ (django-ninja), OpenAPI 3 at /api/v1/openapi.json."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from django_ratelimit.core import is_ratelimited
from ninja import NinjaAPI, Schema, Status
from ninja.errors import AuthenticationError, ValidationError
from ninja.security import HttpBearer

from weiwang.accounts.services import api_token_issue, user_for_api_token
from weiwang.core.errors import ApplicationError


class BearerToken(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str):
        user = user_for_api_token(token)
        if user is not None:
            request.user = user
        return user


api = NinjaAPI(
    title="weiwang API",
    version="1",
    urls_namespace="api-v1",
    openapi_url="/openapi.json",
    docs_url=None,  # Swagger UI would need a CDN or inline scripts; the schema is enough
    auth=BearerToken(),
)


def _error(request: HttpRequest, status: int, code: str, message: str, **extra: object):
    return api.create_response(
        request, {"error": {"code": code, "message": message, **extra}}, status=status
    )


@api.exception_handler(ApplicationError)
def _application_error(request, exc: ApplicationError):
    return _error(request, 400, exc.code, exc.message, **exc.extra)


@api.exception_handler(Http404)
def _not_found(request, exc):
    return _error(request, 404, "not_found", _("没有找到,或您无权查看。"))


@api.exception_handler(AuthenticationError)
def _unauthorized(request, exc):
    return _error(
        request, 401, "unauthorized", _("请先获取令牌,并以 Authorization: Bearer <令牌> 访问。")
    )


@api.exception_handler(ValidationError)
def _invalid(request, exc: ValidationError):
    return _error(request, 422, "invalid_input", _("请求参数不正确。"), details=exc.errors)


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Schema):
    token: str
    token_type: str = "Bearer"  # noqa: S105 - the scheme name, not a secret


class ErrorOut(Schema):
    error: dict


@api.post(
    "/auth/token", auth=None, response={200: TokenOut, 401: ErrorOut, 429: ErrorOut}, tags=["auth"]
)
def auth_token(request: HttpRequest, payload: TokenIn):
    """Exchange a username and password for a bearer token."""
    if is_ratelimited(
        request, group="login", key="ip", rate=settings.LOGIN_IP_RATE, method="POST", increment=True
    ):
        message = _("登录尝试过于频繁,请稍后再试。")
        return Status(429, {"error": {"code": "rate_limited", "message": message}})
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        message = _("用户名或密码不正确。连续 5 次错误将锁定 15 分钟。")
        return Status(401, {"error": {"code": "bad_credentials", "message": message}})
    return Status(200, {"token": api_token_issue(user=user)})


def _register_routers() -> None:
    from weiwang.cases.api import router as cases_router
    from weiwang.dashboards.api import router as dashboards_router
    from weiwang.deliberation.api import funds_router, topics_router
    from weiwang.deliberation.api import router as votes_router
    from weiwang.emergency.api import router as emergency_router
    from weiwang.interest_groups.api import router as groups_router
    from weiwang.notices.api import router as notices_router
    from weiwang.party.api import router as party_router
    from weiwang.people.api import router as people_router
    from weiwang.regions.api import router as regions_router
    from weiwang.surveys.api import router as surveys_router
    from weiwang.visits.api import router as visits_router
    from weiwang.volunteers.api import router as volunteers_router

    api.add_router("/regions", regions_router)
    api.add_router("/residents", people_router)
    api.add_router("/cases", cases_router)
    api.add_router("/votes", votes_router)
    api.add_router("/topics", topics_router)
    api.add_router("/funds", funds_router)
    api.add_router("/visits", visits_router)
    api.add_router("/surveys", surveys_router)
    api.add_router("/emergencies", emergency_router)
    api.add_router("/activities", volunteers_router)
    api.add_router("/community", groups_router)
    api.add_router("/party", party_router)
    api.add_router("/notices", notices_router)
    api.add_router("/dashboards", dashboards_router)


_register_routers()
