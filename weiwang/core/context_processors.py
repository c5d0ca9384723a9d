from __future__ import annotations

from django.http import HttpRequest

from weiwang.access import Action, can, grants_for
from weiwang.accounts.models import Role
from weiwang.emergency.selectors import active_for_banner
from weiwang.notices.services import unread_count


def navigation(request: HttpRequest) -> dict[str, object]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    roles = sorted({g.role for g in grants_for(user)}, key=list(Role).index)
    return {
        "nav_role_labels": [Role(r).label for r in roles],
        "nav_in_community": bool(roles),
        "nav_can_browse": can(user, Action.VIEW_REGIONS),
        "nav_can_search": can(user, Action.VIEW_RESIDENTS),
        "nav_has_household": bool(user.resident_id),
        "nav_can_manage_tags": can(user, Action.MANAGE_TAGS),
        "nav_can_reveal": can(user, Action.REVEAL_SENSITIVE),
        "nav_can_edit": can(user, Action.EDIT_RESIDENTS),
        "nav_can_report": can(user, Action.REPORT_CASES),
        "nav_handles_cases": can(user, Action.HANDLE_CASES),
        "nav_case_settings": can(user, Action.MANAGE_CASE_SETTINGS),
        "nav_runs_surveys": can(user, Action.RUN_SURVEYS),
        "nav_switches_emergency": can(user, Action.SWITCH_EMERGENCY),
        "nav_unread": unread_count(user),
        "nav_emergencies": active_for_banner(user),
    }
