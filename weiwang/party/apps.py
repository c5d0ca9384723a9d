from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PartyConfig(AppConfig):
    name = "weiwang.party"
    label = "party"
    verbose_name = _("党建引领")
