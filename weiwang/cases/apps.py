from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "weiwang.cases"
    label = "cases"
    verbose_name = _("事件与诉求")

    def ready(self) -> None:
        from weiwang.cases import tasks  # noqa: F401 (registers the periodic jobs)
