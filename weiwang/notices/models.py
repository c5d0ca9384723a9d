"""Notices and their channels: the in-app inbox (one row per person and message, also for
notices), notices with their audience and review, the grid groups (网格E家), and deliveries to
WeCom group robots and SMS."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    title = models.CharField(_("标题"), max_length=200)
    url = models.CharField(max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(_("已读时间"), null=True, blank=True)
    # The notice this inbox row delivers (its read receipt is read_at); one per person.
    notice = models.ForeignKey(
        "notices.Notice", null=True, blank=True, on_delete=models.CASCADE, related_name="inbox"
    )

    class Meta:
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="notification_unread_idx")]
        constraints = [
            models.UniqueConstraint(fields=["notice", "user"], name="notification_once_per_notice"),
        ]

    def __str__(self) -> str:
        return self.title


class Priority(models.TextChoices):
    NORMAL = "normal", _("普通")
    URGENT = "urgent", _("紧急")


class NoticeStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    REVIEW = "review", _("待审核")
    SCHEDULED = "scheduled", _("定时发布")
    PUBLISHED = "published", _("已发布")
    REJECTED = "rejected", _("未通过")
    WITHDRAWN = "withdrawn", _("已撤回")


class Notice(models.Model):
    title = models.CharField(_("标题"), max_length=100)
    body = models.TextField(_("正文"))  # sanitised HTML (an allow-list of tags)
    priority = models.CharField(
        _("紧急程度"), max_length=8, choices=Priority.choices, default=Priority.NORMAL
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=NoticeStatus.choices, default=NoticeStatus.DRAFT
    )
    # Audience: everyone in these region subtrees, narrowed by tags and roles if given; plus
    # chosen households.
    regions = models.ManyToManyField("regions.Region", blank=True, related_name="+")
    tag_codes = models.JSONField(default=list, blank=True)
    roles = models.JSONField(default=list, blank=True)
    households = models.ManyToManyField("people.Household", blank=True, related_name="+")
    audience_size = models.PositiveIntegerField(default=0)
    send_sms = models.BooleanField(_("同时发短信"), default=False)
    send_groups = models.BooleanField(_("同时推送到网格群"), default=True)
    publish_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"), null=True, blank=True)
    pinned = models.BooleanField(_("置顶"), default=False)
    link_url = models.CharField(_("相关链接"), max_length=300, blank=True)
    link_label = models.CharField(_("链接说明"), max_length=60, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_note = models.CharField(_("审核意见"), max_length=200, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    fanned_out_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("通知公告")
        verbose_name_plural = _("通知公告")
        ordering = ["-pinned", "-published_at", "-created_at"]

    def __str__(self) -> str:
        return self.title


def attachment_path(instance: NoticeAttachment, filename: str) -> str:
    return f"notices/{instance.notice_id}/{filename}"


class NoticeAttachment(models.Model):
    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to=attachment_path)
    name = models.CharField(max_length=200)
    is_image = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("附件")
        verbose_name_plural = _("附件")

    def __str__(self) -> str:
        return self.name


class ReviewRule(models.Model):
    """Who reviews a notice, by how many people it reaches (editable data)."""

    max_audience = models.PositiveIntegerField(_("受众人数不超过"))
    reviewer_role = models.CharField(_("审核角色"), max_length=32)

    class Meta:
        verbose_name = _("审核规则")
        verbose_name_plural = _("审核规则")
        ordering = ["max_audience"]

    def __str__(self) -> str:
        return f"≤{self.max_audience}: {self.reviewer_role}"


class GridGroup(models.Model):
    """A grid's WeChat or WeCom group (网格E家), kept by workers; households marked as in it."""

    class Platform(models.TextChoices):
        WECHAT = "wechat", _("微信群")
        WECOM = "wecom", _("企业微信群")

    name = models.CharField(_("群名称"), max_length=60)
    platform = models.CharField(_("类型"), max_length=8, choices=Platform.choices)
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("网格")
    )
    region_path = models.CharField(max_length=255, editable=False)
    member_count = models.PositiveIntegerField(_("群成员数"), default=0)
    households = models.ManyToManyField("people.Household", blank=True, related_name="grid_groups")
    webhook_key_encrypted = models.TextField(blank=True, editable=False)

    class Meta:
        verbose_name = _("网格群")
        verbose_name_plural = _("网格群")
        ordering = ["region_path", "name"]

    def __str__(self) -> str:
        return self.name


class Channel(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    SMS = "sms", _("短信")


class DeliveryStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")
    SENDING = "sending", _("发送中")
    SENT = "sent", _("已送达")
    FAILED = "failed", _("失败")
    UNCERTAIN = "uncertain", _("结果不明,请人工核实")


class Delivery(models.Model):
    """A notice to one group (WeCom robot) or one phone (SMS): sent once per idempotency key;
    the in-app inbox has its own rows (Notification)."""

    notice = models.ForeignKey(Notice, on_delete=models.CASCADE, related_name="deliveries")
    channel = models.CharField(max_length=8, choices=Channel.choices)
    group = models.ForeignKey(GridGroup, null=True, blank=True, on_delete=models.CASCADE)
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    idempotency_key = models.CharField(max_length=80, unique=True)
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.QUEUED
    )
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    lease_until = models.DateTimeField(null=True, blank=True)
    provider_answer = models.CharField(max_length=300, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx"),
            models.Index(fields=["group", "sent_at"], name="delivery_group_rate_idx"),
        ]

    def __str__(self) -> str:
        return self.idempotency_key
