from __future__ import annotations

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InterestGroupsConfig(AppConfig):
    name = "weiwang.interest_groups"
    label = "interest_groups"
    verbose_name = _("社群和场地")
