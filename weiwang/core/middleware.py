from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation

LANGUAGE_COOKIE = settings.LANGUAGE_COOKIE_NAME


class LanguageMiddleware:
    """Chinese unless the user chose otherwise: `?lang=en` switches and a cookie remembers it.

    The browser's Accept-Language is deliberately ignored: the platform's working language is
    Chinese, and an English-language phone must not turn a community worker's screens English.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.GET.get("lang")
        remembered = request.COOKIES.get(LANGUAGE_COOKIE)
        if chosen in self.codes:
            language = chosen
        elif remembered in self.codes:
            language = remembered
        else:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        if chosen in self.codes and chosen != remembered:
            response.set_cookie(LANGUAGE_COOKIE, chosen, max_age=365 * 24 * 3600, samesite="Lax")
        return response
