from __future__ import annotations

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.decorators import method_decorator
from django.utils.translation import gettext as _
from django_ratelimit.decorators import ratelimit


def _login_error(request: HttpRequest, message: str, status: int) -> HttpResponse:
    from django.contrib.auth.forms import AuthenticationForm

    return render(
        request,
        "registration/login.html",
        {"form": AuthenticationForm(request), "blocking_error": message},
        status=status,
    )


def locked_out(
    request: HttpRequest, credentials: dict | None = None, *args, **kwargs
) -> HttpResponse:
    """django-axes calls this once a username has failed 5 times."""
    message = _("该账号连续 5 次密码错误,已锁定 15 分钟。请稍后再试,或联系社区工作人员重置密码。")
    if request.path.startswith("/api/"):
        return JsonResponse({"error": {"code": "locked", "message": message}}, status=429)
    return _login_error(request, message, 429)


def rate_limited(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _login_error(request, _("此网络登录尝试过于频繁,请 10 分钟后再试。"), 429)


@method_decorator(
    ratelimit(key="ip", rate=settings.LOGIN_IP_RATE, method="POST", block=False), name="post"
)
class LoginView(auth_views.LoginView):
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if getattr(request, "limited", False):
            return rate_limited(request)
        return super().post(request, *args, **kwargs)
