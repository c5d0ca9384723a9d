"""Survey campaigns (摸排): a form of questions, a campaign of that form over a region subtree
with one task per household, and each household's answers (kept on its task)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SurveyForm(models.Model):
    title = models.CharField(_("问卷名称"), max_length=100)
    description = models.CharField(_("说明"), max_length=300, blank=True)
    # Templates are offered when a region is switched into emergency mode (the sweep).
    is_sweep_template = models.BooleanField(_("应急摸排模板"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("问卷")
        verbose_name_plural = _("问卷")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.title


class QuestionKind(models.TextChoices):
    TEXT = "text", _("文字")
    NUMBER = "number", _("数字")
    SINGLE = "single", _("单选")
    MULTIPLE = "multiple", _("多选")
    DATE = "date", _("日期")
    YES_NO = "yes_no", _("是/否")
    PHOTO = "photo", _("照片")


class AnswerTarget(models.TextChoices):
    """Where a confirmed answer goes in the registry (on the household's head)."""

    NONE = "", _("不写入居民档案")
    PHONE = "phone", _("户主联系电话")
    TAG = "tag", _("回答“是”时给户主加人群标签")


class Question(models.Model):
    form = models.ForeignKey(SurveyForm, on_delete=models.CASCADE, related_name="questions")
    position = models.PositiveSmallIntegerField(default=0)
    kind = models.CharField(_("题型"), max_length=8, choices=QuestionKind.choices)
    label = models.CharField(_("题目"), max_length=200)
    required = models.BooleanField(_("必答"), default=False)
    choices = models.JSONField(_("选项"), default=list, blank=True)
    # Shown only when an earlier question was answered with this value (是, or one option).
    show_if = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("显示条件:题目"),
    )
    show_if_value = models.CharField(_("显示条件:答案"), max_length=100, blank=True)
    maps_to = models.CharField(
        _("写入居民档案"), max_length=8, choices=AnswerTarget.choices, blank=True, default=""
    )
    maps_tag = models.SlugField(_("人群标签代码"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("题目")
        verbose_name_plural = _("题目")
        ordering = ["position", "pk"]

    def __str__(self) -> str:
        return self.label


class CampaignStatus(models.TextChoices):
    OPEN = "open", _("进行中")
    CLOSED = "closed", _("已结束")


class Campaign(models.Model):
    form = models.ForeignKey(SurveyForm, on_delete=models.PROTECT, related_name="campaigns")
    title = models.CharField(_("摸排名称"), max_length=100)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("范围")
    )
    region_path = models.CharField(max_length=255, editable=False)
    # Only households with a current member carrying one of these tags (empty: every household).
    tag_codes = models.JSONField(_("人群标签"), default=list, blank=True)
    deadline = models.DateTimeField(_("截止时间"))
    allow_public = models.BooleanField(_("允许住户通过链接自己填写"), default=False)
    status = models.CharField(
        _("状态"), max_length=8, choices=CampaignStatus.choices, default=CampaignStatus.OPEN
    )
    task_count = models.PositiveIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("摸排")
        verbose_name_plural = _("摸排")
        ordering = ["-created_at"]
        indexes = [
            models.Index(
                fields=["region_path"],
                name="campaign_region_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.title


class TaskSource(models.TextChoices):
    WORKER = "worker", _("网格员填写")
    PUBLIC = "public", _("住户自己填写")


class SurveyTask(models.Model):
    """One household in one campaign, assigned to its micro-grid's worker; the answers are kept
    here once given (a household answers a campaign once)."""

    campaign = models.ForeignKey(Campaign, on_delete=models.CASCADE, related_name="tasks")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    micro_grid = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    answers = models.JSONField(null=True, blank=True)  # null until the household answers
    answered_at = models.DateTimeField(_("填写时间"), null=True, blank=True)
    answered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    source = models.CharField(max_length=8, choices=TaskSource.choices, blank=True)
    # The phone's key for the submission: sent twice (offline retry), answered once.
    idempotency_key = models.CharField(max_length=64, null=True, blank=True)  # noqa: DJ001
    confirmed_at = models.DateTimeField(_("确认时间"), null=True, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("摸排任务")
        verbose_name_plural = _("摸排任务")
        constraints = [
            models.UniqueConstraint(
                fields=["campaign", "household"], name="survey_task_one_per_household"
            ),
            models.UniqueConstraint(
                fields=["idempotency_key"],
                condition=Q(idempotency_key__isnull=False),
                name="survey_task_idempotency_key",
            ),
        ]
        indexes = [
            # Scoped reads ("tasks in my grid") filter on the region path prefix.
            models.Index(
                fields=["campaign", "region_path"],
                name="survey_task_campaign_path_idx",
                opclasses=["", "varchar_pattern_ops"],
            ),
            models.Index(fields=["assignee", "campaign"], name="survey_task_assignee_idx"),
            models.Index(fields=["campaign", "micro_grid"], name="survey_task_progress_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.campaign_id}/{self.household_id}"


def photo_path(instance: SurveyPhoto, filename: str) -> str:
    return f"surveys/{instance.task.campaign_id}/{filename}"


class SurveyPhoto(models.Model):
    task = models.ForeignKey(SurveyTask, on_delete=models.CASCADE, related_name="photos")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="+")
    image = models.ImageField(upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("摸排照片")
        verbose_name_plural = _("摸排照片")

    def __str__(self) -> str:
        return f"{self.task_id}/{self.question_id}"
