from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class VisitsConfig(AppConfig):
    name = "weiwang.visits"
    label = "visits"
    verbose_name = _("走访")
