from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "weiwang.core"
    label = "core"
    verbose_name = _("基础")

    def ready(self) -> None:
        from weiwang.core.periodic import start_embedded_scheduler

        start_embedded_scheduler()
