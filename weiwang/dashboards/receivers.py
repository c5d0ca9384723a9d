"""Marking regions stale when rows they count are saved or deleted. Only a mark is written
here (one row per region, its time renewed if already there); the figures are recomputed by
the refresh job. A save
signal catches every writer (services, admin, commands) without each of them knowing about the
dashboards; bulk writes send none and are caught by the half-hourly full run (or mark stale
themselves, as moving a building does)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from django.apps import apps
from django.db.models.signals import m2m_changed, post_delete, post_save

from weiwang.dashboards.services import mark_stale

# model label → how to find the region path(s) a row counts under.
WITH_PATH = [
    "people.Household",
    "people.Resident",
    "cases.Case",
    "visits.Visit",
    "party.PartyMember",
    "party.Unit",
    "party.Need",
    "deliberation.Topic",
    "interest_groups.InterestGroup",
    "notices.GridGroup",
]
THROUGH = {
    "people.ResidentTag": ("resident_id", "people.Resident", "region_path"),
    "deliberation.Meeting": ("topic_id", "deliberation.Topic", "region_path"),
    "deliberation.Vote": ("topic_id", "deliberation.Topic", "region_path"),
    "deliberation.Project": ("fund_id", "deliberation.Fund", "community__path"),
    "deliberation.Spending": ("project_id", "deliberation.Project", "fund__community__path"),
    "volunteers.Signup": ("shift_id", "volunteers.Shift", "activity__region_path"),
    "interest_groups.Membership": ("group_id", "interest_groups.InterestGroup", "region_path"),
    "accounts.RoleAssignment": ("region_id", "regions.Region", "path"),
    "party.PartyOrganisation": ("region_id", "regions.Region", "path"),
}


_paused = threading.local()


@contextmanager
def stale_marks_paused() -> Iterator[None]:
    """No marks from this thread meanwhile: for bulk work followed by a full aggregation (the
    demo seeding), where thousands of marks would only be deleted again."""
    _paused.on = True
    try:
        yield
    finally:
        _paused.on = False


def _marking() -> bool:
    return not getattr(_paused, "on", False)


def _own_path(sender, instance, **kwargs) -> None:
    if _marking():
        mark_stale([instance.region_path])


def _through_path(sender, instance, **kwargs) -> None:
    if not _marking():
        return
    field, target, lookup = THROUGH[sender._meta.label]
    pk = getattr(instance, field, None)
    if pk is not None:
        model = apps.get_model(target)
        mark_stale(model.objects.filter(pk=pk).values_list(lookup, flat=True))


def _life_event(sender, instance, **kwargs) -> None:
    """A move out of a dwelling: the micro-grid it left changes too (the resident's own save
    marks the one it went to)."""
    dwellings = [instance.dwelling_id, instance.from_dwelling_id]
    model = apps.get_model("regions.Dwelling")
    mark_stale(
        model.objects.filter(pk__in=[d for d in dwellings if d]).values_list(
            "region_path", flat=True
        )
    )


def _grid_group_households(sender, instance, action, **kwargs) -> None:
    if action in {"post_add", "post_remove", "post_clear"} and _marking():
        mark_stale([getattr(instance, "region_path", "")])


def connect() -> None:
    for label in WITH_PATH:
        model = apps.get_model(label)
        post_save.connect(_own_path, sender=model, dispatch_uid=f"stale-{label}")
        post_delete.connect(_own_path, sender=model, dispatch_uid=f"stale-del-{label}")
    for label in THROUGH:
        model = apps.get_model(label)
        post_save.connect(_through_path, sender=model, dispatch_uid=f"stale-{label}")
        post_delete.connect(_through_path, sender=model, dispatch_uid=f"stale-del-{label}")
    event = apps.get_model("people.LifeEvent")
    post_save.connect(_life_event, sender=event, dispatch_uid="stale-life-event")
    through = apps.get_model("notices.GridGroup").households.through
    m2m_changed.connect(_grid_group_households, sender=through, dispatch_uid="stale-grid-group")
