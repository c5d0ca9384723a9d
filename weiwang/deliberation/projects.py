"""Micro-projects (微实事) paid from the community fund: proposals checked against the
negative list, the five steps on record, a residents' ballot, selection within the budget that
follows the votes and says why, spending with receipts, acceptance and ratings."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.deliberation.models import (
    Fund,
    NegativeItem,
    Project,
    ProjectRating,
    ProjectStatus,
    ProjectStep,
    Spending,
    TopicStatus,
    Vote,
    VoteKind,
    VoteOption,
    VoteStatus,
    VoteUnit,
)
from weiwang.deliberation.services import topic_propose, vote_create

Step = ProjectStep.Step


def negative_match(text: str) -> tuple[NegativeItem, str] | None:
    """The first negative-list item whose keyword appears in the text, with that keyword."""
    for item in NegativeItem.objects.filter(active=True).order_by("id"):
        for keyword in filter(None, (k.strip() for k in item.keywords.split(","))):
            if keyword in text:
                return item, keyword
    return None


@transaction.atomic
def project_propose(
    *, actor, fund: Fund, title: str, place: str, why: str, estimate: Decimal, proposed_by: str
) -> Project:
    """A proposal from a resident, a group or an organisation. One that falls under the
    negative list is kept, refused, with the reason shown."""
    if not title.strip() or not why.strip() or not place.strip():
        raise ApplicationError(_("请写明项目、地点和理由。"), code="project_fields")
    if estimate <= 0:
        raise ApplicationError(_("预算估算应大于 0。"), code="estimate")
    project = Project.objects.create(
        fund=fund,
        title=title.strip()[:100],
        place=place.strip()[:200],
        why=why.strip(),
        estimate=estimate,
        proposer=actor,
        proposed_by=proposed_by.strip()[:100] or str(actor),
    )
    hit = negative_match(f"{project.title} {project.why}")
    if hit:
        item, keyword = hit
        project.status = ProjectStatus.REFUSED
        project.status_note = _("属于负面清单“%(name)s”(涉及“%(keyword)s”):%(reason)s") % {
            "name": item.name,
            "keyword": keyword,
            "reason": item.reason,
        }
        project.save(update_fields=["status", "status_note"])
    audit_record(actor=actor, action="project.propose", target_type="project", target_id=project.pk)
    return project


def _step(project: Project, step: str, actor, note: str) -> None:
    ProjectStep.objects.create(project=project, step=step, actor=actor, note=note[:300])


@transaction.atomic
def project_council(*, actor, project: Project, approve: bool, note: str) -> Project:
    """The Party organisation puts the proposal forward and the residents' council decides
    whether it goes on the ballot."""
    if project.status != ProjectStatus.PROPOSED:
        raise ApplicationError(_("这个项目现在不能审议。"), code="project_state")
    if not note.strip():
        raise ApplicationError(_("请写明审议意见。"), code="note_required")
    _step(project, Step.PARTY_PROPOSES, actor, _("党组织提交议事会审议"))
    _step(project, Step.COUNCIL_DECIDES, actor, note)
    project.status = ProjectStatus.APPROVED if approve else ProjectStatus.REFUSED
    project.status_note = note.strip()[:300]
    project.save(update_fields=["status", "status_note"])
    return project


@transaction.atomic
def fund_ballot(
    *, actor, fund: Fund, opens_at: dt.datetime, closes_at: dt.datetime, max_choices: int
) -> Vote:
    """The residents' vote on the approved proposals (one option each, per household)."""
    if fund.ballot_id:
        raise ApplicationError(_("今年的项目投票已经发起过了。"), code="ballot_exists")
    projects = list(fund.projects.filter(status=ProjectStatus.APPROVED))
    if len(projects) < 2:
        raise ApplicationError(_("至少要有两个议事会通过的项目才能投票。"), code="too_few")
    topic = topic_propose(
        actor=actor,
        title=_("%(year)d 年微实事项目投票") % {"year": fund.year},
        body=_("请从议事会通过的项目中选出您最希望实施的项目,按得票多少在预算内确定。"),
        signature=str(actor),
        region=fund.community,
    )
    topic.status = TopicStatus.ACCEPTED
    topic.save(update_fields=["status"])
    vote = vote_create(
        actor=actor,
        topic=topic,
        question=topic.title,
        kind=VoteKind.MULTIPLE,
        options=[p.title for p in projects],
        unit=VoteUnit.HOUSEHOLD,
        opens_at=opens_at,
        closes_at=closes_at,
        quorum=Decimal("0"),
        threshold="simple",
        max_choices=max(1, min(max_choices, len(projects))),
    )
    for option, project in zip(vote.options.order_by("sort"), projects, strict=True):
        option.project = project
        option.save(update_fields=["project"])
    fund.ballot = vote
    fund.save(update_fields=["ballot"])
    return vote


@transaction.atomic
def fund_select(*, actor, fund: Fund) -> list[Project]:
    """After the ballot closes: most votes first, each project funded while the budget lasts;
    every project gets the reason it was or was not funded."""
    vote = fund.ballot
    if vote is None or vote.status != VoteStatus.CLOSED:
        raise ApplicationError(_("项目投票结束后才能确定入选项目。"), code="ballot_open")
    counts = vote.result.get("counts", {})
    options = VoteOption.objects.filter(vote=vote).select_related("project")
    ranked = sorted(
        (o for o in options if o.project_id),
        key=lambda o: (-counts.get(str(o.pk), 0), o.project.created_at, o.pk),
    )
    left = fund.budget
    chosen = []
    for option in ranked:
        project, votes = option.project, counts.get(str(option.pk), 0)
        if votes == 0:
            project.status = ProjectStatus.NOT_SELECTED
            project.status_note = _("没有得票。")
        elif project.estimate <= left:
            left -= project.estimate
            project.status = ProjectStatus.SELECTED
            project.status_note = _("得 %(votes)d 票,在预算内入选;入选后余额 %(left)s 元。") % {
                "votes": votes,
                "left": left,
            }
            chosen.append(project)
        else:
            project.status = ProjectStatus.NOT_SELECTED
            project.status_note = _(
                "得 %(votes)d 票,但需 %(need)s 元,剩余预算只有 %(left)s 元。"
            ) % {"votes": votes, "need": project.estimate, "left": left}
        project.save(update_fields=["status", "status_note"])
    fund.selected_at = timezone.now()
    fund.save(update_fields=["selected_at"])
    audit_record(
        actor=actor,
        action="fund.select",
        target_type="fund",
        target_id=fund.pk,
        detail={"selected": [p.pk for p in chosen]},
    )
    return chosen


@transaction.atomic
def project_implement(*, actor, project: Project, implementer: str) -> Project:
    if project.status != ProjectStatus.SELECTED:
        raise ApplicationError(_("只有入选项目可以开始实施。"), code="project_state")
    if not implementer.strip():
        raise ApplicationError(_("请写明实施方。"), code="implementer")
    project.status, project.implementer = ProjectStatus.IMPLEMENTING, implementer.strip()[:100]
    project.save(update_fields=["status", "implementer"])
    _step(
        project,
        Step.COMMITTEE_IMPLEMENTS,
        actor,
        _("居委会组织实施:%(who)s") % {"who": project.implementer},
    )
    return project


@transaction.atomic
def spending_add(
    *, actor, project: Project, item: str, amount: Decimal, spent_on, receipt
) -> Spending:
    """A spending entry with its receipt photo (EXIF stripped like case photos)."""
    from weiwang.cases.photos import clean_photo

    if project.status != ProjectStatus.IMPLEMENTING:
        raise ApplicationError(_("项目实施期间才能登记支出。"), code="project_state")
    if amount <= 0 or not item.strip():
        raise ApplicationError(_("请写明支出事项和金额。"), code="spending_fields")
    if receipt is None:
        raise ApplicationError(_("请上传票据照片。"), code="receipt")
    entry = Spending.objects.create(
        project=project,
        item=item.strip()[:200],
        amount=amount,
        spent_on=spent_on,
        receipt=clean_photo(receipt),
    )
    audit_record(actor=actor, action="project.spend", target_type="project", target_id=project.pk)
    return entry


def spent(project: Project) -> Decimal:
    return project.spending.aggregate(total=Sum("amount"))["total"] or Decimal("0")


@transaction.atomic
def project_accept(*, actor, project: Project, note: str) -> Project:
    if project.status != ProjectStatus.IMPLEMENTING:
        raise ApplicationError(_("实施中的项目才能验收。"), code="project_state")
    if not note.strip():
        raise ApplicationError(_("请写明验收意见。"), code="note_required")
    project.status, project.progress = ProjectStatus.ACCEPTED, 100
    project.save(update_fields=["status", "progress"])
    _step(project, Step.PARTY_ACCEPTS, actor, note)
    return project


def project_supervise(*, actor, project: Project, note: str) -> ProjectStep:
    if not note.strip():
        raise ApplicationError(_("请写明监督意见。"), code="note_required")
    step = ProjectStep.objects.create(
        project=project, step=Step.SUPERVISION, actor=actor, note=note.strip()[:300]
    )
    return step


def project_rate(*, user, project: Project, rating: str, comment: str = "") -> ProjectRating:
    if project.status != ProjectStatus.ACCEPTED:
        raise ApplicationError(_("项目验收后才能评价。"), code="project_state")
    if rating not in ("satisfied", "basic", "dissatisfied"):
        raise ApplicationError(_("请选择满意、基本满意或不满意。"), code="rating")
    found, _created = ProjectRating.objects.update_or_create(
        project=project, user=user, defaults={"rating": rating, "comment": comment.strip()[:300]}
    )
    return found


def milestone_add(*, project: Project, title: str, due_on: dt.date):
    from weiwang.deliberation.models import Milestone

    if project.status not in (ProjectStatus.SELECTED, ProjectStatus.IMPLEMENTING):
        raise ApplicationError(_("入选和实施中的项目才能安排节点。"), code="project_state")
    if not title.strip():
        raise ApplicationError(_("请写明节点内容。"), code="milestone")
    return Milestone.objects.create(project=project, title=title.strip()[:200], due_on=due_on)


@transaction.atomic
def milestone_done(*, project: Project, milestone_id: int, done_on: dt.date) -> Project:
    """Mark a milestone done; progress is the share of milestones done."""
    milestone = project.milestones.filter(pk=milestone_id, done_on__isnull=True).first()
    if milestone is None:
        raise ApplicationError(_("没有这个未完成的节点。"), code="milestone")
    milestone.done_on = done_on
    milestone.save(update_fields=["done_on"])
    total = project.milestones.count()
    done = project.milestones.filter(done_on__isnull=False).count()
    project.progress = round(100 * done / total) if total else 0
    project.save(update_fields=["progress"])
    return project
