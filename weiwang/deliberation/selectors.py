"""Scoped reads of 有事好商量: staff see the topics of their region; residents the accepted
topics that affect their home, and their own proposals."""

from __future__ import annotations

from django.db.models import Q, QuerySet

from weiwang.access import Action, can, get_or_404, scope_q
from weiwang.deliberation.models import Topic, TopicStatus, Vote


def _home(user):
    resident = getattr(user, "resident", None)
    if resident is None or resident.status != "current":
        return None
    return resident.household.dwelling


def topics_for_user(user) -> QuerySet[Topic]:
    if not getattr(user, "is_authenticated", False):
        return Topic.objects.none()
    visible = scope_q(user, Action.VIEW_CASES, path="region_path", building="", household="")
    visible |= Q(proposer=user)
    home = _home(user)
    if home is not None:
        ids = home.region_path.strip("/").split("/")
        prefixes = ["/" + "/".join(ids[: n + 1]) + "/" for n in range(len(ids))]
        estate = home.unit.building.estate_id
        building = home.unit.building_id
        visible |= (
            Q(status__in=[TopicStatus.ACCEPTED, TopicStatus.DECIDED], region_path__in=prefixes)
            & (Q(estate__isnull=True) | Q(estate_id=estate))
            & (Q(buildings__isnull=True) | Q(buildings__id=building))
        )
    return Topic.objects.filter(visible).distinct().select_related("region", "proposer")


def get_topic_for_user(user, pk: object) -> Topic:
    return get_or_404(topics_for_user(user), pk)


def get_vote_for_user(user, pk: object) -> Vote:
    return get_or_404(
        Vote.objects.filter(topic__in=topics_for_user(user)).select_related("topic"), pk
    )


def runs_consultations(user, topic: Topic) -> bool:
    """Staff who may review, hold meetings and run votes for this topic's region."""
    allowed = scope_q(user, Action.RUN_CONSULTATIONS, path="region_path", building="", household="")
    return (
        can(user, Action.RUN_CONSULTATIONS) and Topic.objects.filter(allowed, pk=topic.pk).exists()
    )


def funds_for_user(user) -> QuerySet:
    """Funds of the communities the user works in or lives in (their pages are public)."""
    from weiwang.deliberation.models import Fund

    if not getattr(user, "is_authenticated", False):
        return Fund.objects.none()
    from weiwang.access import grants_for

    visible = scope_q(user, Action.VIEW_CASES, path="community__path", building="", household="")
    # Those who work inside a community (grids, micro-grids, buildings) see its funds too.
    inside = [
        int(g.region_path.strip("/").split("/")[2])
        for g in grants_for(user)
        if g.region_path.strip("/").count("/") >= 2
    ]
    visible |= Q(community_id__in=inside)
    home = _home(user)
    if home is not None:
        ids = home.region_path.strip("/").split("/")
        visible |= Q(community_id=int(ids[2])) if len(ids) > 2 else Q()
    return Fund.objects.filter(visible).select_related("community", "ballot")


def get_project_for_user(user, pk: object):
    from weiwang.deliberation.models import Project

    return get_or_404(
        Project.objects.filter(fund__in=funds_for_user(user)).select_related("fund__community"), pk
    )


def runs_fund(user, fund) -> bool:
    allowed = scope_q(user, Action.RUN_CONSULTATIONS, path="path", building="", household="")
    from weiwang.regions.models import Region

    return (
        can(user, Action.RUN_CONSULTATIONS)
        and Region.objects.filter(allowed, pk=fund.community_id).exists()
    )
