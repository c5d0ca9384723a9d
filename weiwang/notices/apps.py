from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NoticesConfig(AppConfig):
    name = "weiwang.notices"
    label = "notices"
    verbose_name = _("通知")

    def ready(self) -> None:
        from weiwang.notices import tasks  # noqa: F401 (registers the periodic jobs)
