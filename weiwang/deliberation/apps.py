from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeliberationConfig(AppConfig):
    name = "weiwang.deliberation"
    label = "deliberation"
    verbose_name = _("有事好商量")

    def ready(self) -> None:
        from weiwang.deliberation import tasks  # noqa: F401 (registers the periodic jobs)
