from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DashboardsConfig(AppConfig):
    name = "weiwang.dashboards"
    label = "dashboards"
    verbose_name = _("数据驾驶舱")

    def ready(self) -> None:
        from weiwang.dashboards import receivers, tasks  # noqa: F401 (registers the periodic jobs)

        receivers.connect()
