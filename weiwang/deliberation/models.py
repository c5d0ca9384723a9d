"""有事好商量: topics raised by residents, workers or from a case, reviewed by the community Party
committee, deliberated in meetings, decided by votes with a frozen roll of eligible voters."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class TopicStatus(models.TextChoices):
    SUBMITTED = "submitted", _("待审核")
    ACCEPTED = "accepted", _("已受理")
    REFUSED = "refused", _("未受理")
    DECIDED = "decided", _("已表决")


class Topic(models.Model):
    title = models.CharField(_("议题"), max_length=100)
    body = models.TextField(_("内容"))
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    signature = models.CharField(_("提议人签名"), max_length=50)
    # Whom it affects: a region (grid or community) and, narrower, an estate or buildings.
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    region_path = models.CharField(max_length=255, editable=False)
    estate = models.ForeignKey(
        "regions.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    buildings = models.ManyToManyField("regions.Building", blank=True, related_name="+")
    case = models.ForeignKey(
        "cases.Case", null=True, blank=True, on_delete=models.PROTECT, related_name="topics"
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=TopicStatus.choices, default=TopicStatus.SUBMITTED
    )
    review_note = models.CharField(_("审核意见"), max_length=300, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("议题")
        verbose_name_plural = _("议题")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["region_path"],
                name="topic_region_path_idx",
                opclasses=["varchar_pattern_ops"],
            )
        ]

    def __str__(self) -> str:
        return self.title


class Meeting(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="meetings")
    starts_at = models.DateTimeField(_("开会时间"))
    place = models.CharField(_("地点"), max_length=200)
    online = models.BooleanField(_("线上会议"), default=False)
    invited = models.CharField(
        _("参会各方"),
        max_length=300,
        help_text=_("例如 居民代表、物业、业委会、议事会成员、提议人"),
    )
    agenda = models.TextField(_("议程"))
    agenda_published_at = models.DateTimeField(_("议程公布时间"), default=timezone.now)
    attendance = models.CharField(_("实到人员"), max_length=500, blank=True)
    minutes = models.TextField(_("会议纪要"), blank=True)

    class Meta:
        verbose_name = _("协商会议")
        verbose_name_plural = _("协商会议")
        ordering = ["starts_at"]

    def __str__(self) -> str:
        return f"{self.topic} {self.starts_at:%Y-%m-%d}"


class VoteKind(models.TextChoices):
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    YES_NO = "yes_no", _("赞成/反对/弃权")


class VoteUnit(models.TextChoices):
    HOUSEHOLD = "household", _("一户一票")
    ADULT = "adult", _("一人一票(年满18周岁)")


class Threshold(models.TextChoices):
    SIMPLE = "simple", _("超过投票数的一半")
    ROLL = "roll", _("超过应投票数(名册)的一半")
    TWO_THIRDS = "two_thirds", _("达到投票数的三分之二")


class VoteStatus(models.TextChoices):
    DRAFT = "draft", _("准备中")
    OPEN = "open", _("投票中")
    CLOSED = "closed", _("已结束")


class Vote(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.PROTECT, related_name="votes")
    question = models.CharField(_("表决事项"), max_length=200)
    kind = models.CharField(_("方式"), max_length=16, choices=VoteKind.choices)
    max_choices = models.PositiveSmallIntegerField(_("最多选几项"), default=1)
    unit = models.CharField(_("投票资格"), max_length=16, choices=VoteUnit.choices)
    opens_at = models.DateTimeField(_("开始时间"))
    closes_at = models.DateTimeField(_("截止时间"))
    quorum = models.DecimalField(
        _("参与率要求"), max_digits=4, decimal_places=3, help_text=_("例如 0.5 表示过半数参与")
    )
    threshold = models.CharField(_("通过标准"), max_length=16, choices=Threshold.choices)
    secret = models.BooleanField(_("无记名投票"), default=False)
    allow_change = models.BooleanField(_("截止前可改票"), default=False)
    status = models.CharField(
        _("状态"), max_length=16, choices=VoteStatus.choices, default=VoteStatus.DRAFT
    )
    publicity_days = models.PositiveSmallIntegerField(_("公示天数"), default=7)
    result = models.JSONField(default=dict, blank=True)  # turnout, tally, passed — at the close
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("表决")
        verbose_name_plural = _("表决")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.question


class VoteOption(models.Model):
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="options")
    label = models.CharField(_("选项"), max_length=200)
    # On a micro-project ballot, the project this option stands for.
    project = models.ForeignKey(
        "deliberation.Project", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.label


class Channel(models.TextChoices):
    ONLINE = "online", _("线上")
    PAPER = "paper", _("现场纸质票")


class RollEntry(models.Model):
    """One eligible voter, frozen when the vote opens: a household or an adult resident.
    `voted` flips once, by a conditional update, whichever channel comes first."""

    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="roll")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    voted = models.BooleanField(default=False)
    channel = models.CharField(max_length=8, choices=Channel.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["vote", "household"],
                condition=Q(resident__isnull=True),
                name="roll_one_per_household",
            ),
            models.UniqueConstraint(
                fields=["vote", "resident"],
                condition=Q(resident__isnull=False),
                name="roll_one_per_resident",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.vote_id}:{self.household_id}:{self.resident_id or ''}"


class Ballot(models.Model):
    """What was voted. Open ballots name their roll entry (one each, by a unique constraint);
    secret ballots name nothing and keep no time: only a hash of the receipt code the voter
    alone holds, to change the vote before the close when the vote allows it."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    vote = models.ForeignKey(Vote, on_delete=models.CASCADE, related_name="ballots")
    roll_entry = models.OneToOneField(
        RollEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="ballot"
    )
    receipt_hash = models.CharField(max_length=64, blank=True, editable=False)
    choices = models.JSONField(default=list)  # option ids

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["receipt_hash"],
                condition=~Q(receipt_hash=""),
                name="ballot_unique_receipt",
            )
        ]

    def __str__(self) -> str:
        return str(self.id)


class FollowUpTask(models.Model):
    """What a decision commits the community to do, who does it, by when; public with the
    topic so residents can see it done."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="tasks")
    title = models.CharField(_("任务"), max_length=200)
    responsible = models.CharField(_("责任方"), max_length=100)
    due_on = models.DateField(_("完成期限"))
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("落实任务")
        verbose_name_plural = _("落实任务")
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


# -- micro-projects (社区保障资金 / 微实事) ----------------------------------------------------


class Fund(models.Model):
    """A community's annual fund for micro-projects."""

    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    year = models.PositiveSmallIntegerField(_("年度"))
    budget = models.DecimalField(_("预算(元)"), max_digits=12, decimal_places=2)
    ballot = models.OneToOneField(
        Vote, null=True, blank=True, on_delete=models.PROTECT, related_name="fund"
    )
    selected_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("社区保障资金")
        verbose_name_plural = _("社区保障资金")
        constraints = [
            models.UniqueConstraint(fields=["community", "year"], name="fund_one_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.community} {self.year}"


class NegativeItem(models.Model):
    """The negative list: what the fund may not pay for, with the reason shown to proposers."""

    name = models.CharField(_("名称"), max_length=60)
    reason = models.CharField(_("原因"), max_length=200)
    keywords = models.CharField(_("关键词(逗号分隔)"), max_length=300)
    active = models.BooleanField(default=True)

    class Meta:
        verbose_name = _("负面清单")
        verbose_name_plural = _("负面清单")

    def __str__(self) -> str:
        return self.name


class ProjectStatus(models.TextChoices):
    PROPOSED = "proposed", _("已提议")
    REFUSED = "refused", _("未通过审议")
    APPROVED = "approved", _("议事会通过,待投票")
    SELECTED = "selected", _("入选")
    NOT_SELECTED = "not_selected", _("未入选")
    IMPLEMENTING = "implementing", _("实施中")
    ACCEPTED = "accepted", _("已验收")


class Project(models.Model):
    fund = models.ForeignKey(Fund, on_delete=models.PROTECT, related_name="projects")
    title = models.CharField(_("项目"), max_length=100)
    place = models.CharField(_("地点"), max_length=200)
    why = models.TextField(_("理由"))
    estimate = models.DecimalField(_("预算估算(元)"), max_digits=12, decimal_places=2)
    proposer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    proposed_by = models.CharField(_("提议方"), max_length=100)
    status = models.CharField(
        _("状态"), max_length=16, choices=ProjectStatus.choices, default=ProjectStatus.PROPOSED
    )
    status_note = models.CharField(_("说明"), max_length=300, blank=True)
    implementer = models.CharField(_("实施方"), max_length=100, blank=True)
    progress = models.PositiveSmallIntegerField(_("进度(%)"), default=0)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("微实事项目")
        verbose_name_plural = _("微实事项目")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.title


class ProjectStep(models.Model):
    """The five steps, each on record: Party proposes, council decides, committee implements,
    Party accepts, supervisory committee supervises."""

    class Step(models.TextChoices):
        PARTY_PROPOSES = "party_proposes", _("党组织提议")
        COUNCIL_DECIDES = "council_decides", _("议事会决议")
        COMMITTEE_IMPLEMENTS = "committee_implements", _("居委会实施")
        PARTY_ACCEPTS = "party_accepts", _("党组织验收")
        SUPERVISION = "supervision", _("监委会监督")

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField(max_length=24, choices=Step.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=300)
    at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.project_id} {self.step}"


class Milestone(models.Model):
    """A step of the work with its date; done ones move the project's progress."""

    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(_("节点"), max_length=200)
    due_on = models.DateField(_("计划日期"))
    done_on = models.DateField(_("完成日期"), null=True, blank=True)

    class Meta:
        ordering = ["due_on", "id"]

    def __str__(self) -> str:
        return self.title


def receipt_path(instance: Spending, filename: str) -> str:
    return f"projects/{instance.project_id}/{filename}"


class Spending(models.Model):
    project = models.ForeignKey(Project, on_delete=models.PROTECT, related_name="spending")
    item = models.CharField(_("支出事项"), max_length=200)
    amount = models.DecimalField(_("金额(元)"), max_digits=12, decimal_places=2)
    spent_on = models.DateField(_("日期"))
    receipt = models.ImageField(_("票据照片"), upload_to=receipt_path)

    class Meta:
        ordering = ["spent_on", "id"]

    def __str__(self) -> str:
        return self.item


class ProjectRating(models.Model):
    project = models.ForeignKey(Project, on_delete=models.CASCADE, related_name="ratings")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    rating = models.CharField(max_length=16)  # satisfied / basic / dissatisfied
    comment = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["project", "user"], name="project_rating_once")
        ]

    def __str__(self) -> str:
        return f"{self.project_id}:{self.rating}"
