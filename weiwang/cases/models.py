"""Cases (事件 and 诉求): categories, time limits, the working calendar, the case and its
timeline. The workflow (states and moves) is data in `weiwang.cases.workflow`."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    """Who handles a case, lowest first: 小事不出网格、大事不出社区."""

    MICRO_GRID = "micro_grid", _("微网格")
    GRID = "grid", _("网格")
    COMMUNITY = "community", _("社区")
    STREET = "street", _("街道/职能部门")


TIER_ORDER = [Tier.MICRO_GRID, Tier.GRID, Tier.COMMUNITY, Tier.STREET]
# Position of the handling node among a micro-grid's ancestors: [district, street, community,
# grid, micro-grid].
TIER_DEPTH = {Tier.STREET: 1, Tier.COMMUNITY: 2, Tier.GRID: 3, Tier.MICRO_GRID: 4}


class CaseKind(models.TextChoices):
    EVENT = "event", _("事件")
    APPEAL = "appeal", _("诉求")


class LimitUnit(models.TextChoices):
    HOURS = "hours", _("小时")
    WORKING_DAYS = "working_days", _("工作日")


class TimeLimit(models.Model):
    """A grade with its time limit: events by urgency (红/黄/蓝), appeals by type."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=30)
    kind = models.CharField(_("类别"), max_length=8, choices=CaseKind.choices)
    amount = models.PositiveIntegerField(_("时限"))
    unit = models.CharField(_("单位"), max_length=16, choices=LimitUnit.choices)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("等级与时限")
        verbose_name_plural = _("等级与时限")
        ordering = ["kind", "sort"]

    def __str__(self) -> str:
        return self.name


class CaseCategory(models.Model):
    """网格+ categories, editable data: where a case starts and how urgent it is by default."""

    code = models.SlugField(unique=True)
    name = models.CharField(_("名称"), max_length=30, unique=True)
    default_tier = models.CharField(
        _("默认处理层级"), max_length=16, choices=Tier.choices, default=Tier.MICRO_GRID
    )
    default_limit = models.ForeignKey(
        TimeLimit, on_delete=models.PROTECT, related_name="+", verbose_name=_("默认等级")
    )
    auto_escalate = models.BooleanField(_("超时自动上报"), default=False)
    active = models.BooleanField(_("启用"), default=True)
    sort = models.PositiveSmallIntegerField(default=0)

    class Meta:
        verbose_name = _("事件分类")
        verbose_name_plural = _("事件分类")
        ordering = ["sort", "id"]

    def __str__(self) -> str:
        return self.name


class CalendarYear(models.Model):
    """A year of the working calendar; confirmed once its holidays and 调休 are entered."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    confirmed = models.BooleanField(_("已确认"), default=False)
    source = models.CharField(_("来源"), max_length=100, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("工作日历年度")
        verbose_name_plural = _("工作日历年度")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class CalendarDay(models.Model):
    """An exception to Monday–Friday: a holiday on a weekday, or a working weekend day (调休)."""

    date = models.DateField(_("日期"), primary_key=True)
    working = models.BooleanField(_("上班"))
    name = models.CharField(_("说明"), max_length=60, blank=True)

    class Meta:
        verbose_name = _("节假日与调休")
        verbose_name_plural = _("节假日与调休")
        ordering = ["date"]

    def __str__(self) -> str:
        return f"{self.date} {self.name}"


class CaseState(models.TextChoices):
    PENDING = "pending", _("待受理")
    ACCEPTED = "accepted", _("已受理")
    IN_PROGRESS = "in_progress", _("处置中")
    REPORTED = "reported", _("已上报")
    RESOLVED = "resolved", _("已办结")
    AWAITING_RATING = "awaiting_rating", _("待评价")
    ARCHIVED = "archived", _("已归档")
    REJECTED = "rejected", _("不予受理")
    MERGED = "merged", _("已合并")
    REOPENED = "reopened", _("重新办理")


OPEN_STATES = [
    CaseState.PENDING,
    CaseState.ACCEPTED,
    CaseState.IN_PROGRESS,
    CaseState.REPORTED,
    CaseState.REOPENED,
]


class CaseSource(models.TextChoices):
    WORKER = "worker", _("网格员上报")
    RESIDENT = "resident", _("居民反映")
    ANONYMOUS = "anonymous", _("扫码反映")
    HOTLINE = "hotline", _("12345热线")
    OPEN311 = "open311", _("接口接入")


class Rating(models.TextChoices):
    SATISFIED = "satisfied", _("满意")
    BASIC = "basic", _("基本满意")
    DISSATISFIED = "dissatisfied", _("不满意")


class Case(models.Model):
    number = models.CharField(_("编号"), max_length=20, unique=True)
    title = models.CharField(_("标题"), max_length=60)
    description = models.TextField(_("描述"))
    category = models.ForeignKey(
        CaseCategory, on_delete=models.PROTECT, related_name="cases", verbose_name=_("分类")
    )
    limit = models.ForeignKey(
        TimeLimit, on_delete=models.PROTECT, related_name="+", verbose_name=_("等级")
    )
    source = models.CharField(_("来源"), max_length=16, choices=CaseSource.choices)
    external_number = models.CharField(_("外部编号"), max_length=40, blank=True)
    # Where: the micro-grid always; a dwelling, building or estate when known.
    micro_grid = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("微网格")
    )
    region_path = models.CharField(max_length=255, editable=False)
    estate = models.ForeignKey(
        "regions.Estate", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    building = models.ForeignKey(
        "regions.Building", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    dwelling = models.ForeignKey(
        "regions.Dwelling", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("位置"), max_length=200, blank=True)
    latitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(max_digits=9, decimal_places=6, null=True, blank=True)
    people_involved = models.CharField(_("涉及人员"), max_length=200, blank=True)
    # Who handles it now: the tier and that tier's region node above the micro-grid.
    tier = models.CharField(_("处理层级"), max_length=16, choices=Tier.choices)
    handling_region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("承办单位")
    )
    state = models.CharField(
        _("状态"), max_length=16, choices=CaseState.choices, default=CaseState.PENDING
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reported_cases",
    )
    reporter_name = models.CharField(_("反映人"), max_length=50, blank=True)
    reporter_phone_encrypted = models.TextField(blank=True, default="", editable=False)
    reporter_phone_masked = models.CharField(_("联系电话"), max_length=20, blank=True)
    # Anonymous reporters follow their case with the number and this code (hashed).
    retrieval_code_hash = models.CharField(max_length=128, blank=True, editable=False)
    deadline = models.DateTimeField(_("办理时限"))
    # The deadline reaches into a year whose holidays nobody has entered yet.
    deadline_unconfirmed = models.BooleanField(_("时限待核"), default=False)
    overdue = models.BooleanField(_("已超时"), default=False)
    supervised = models.BooleanField(_("督办"), default=False)
    rating = models.CharField(_("评价"), max_length=16, choices=Rating.choices, blank=True)
    rating_comment = models.CharField(_("评价意见"), max_length=300, blank=True)
    merged_into = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="merged_cases"
    )
    # Open311: the client that sent it, and the token it may use to find the request.
    open311_key = models.ForeignKey(
        "cases.Open311Key", null=True, blank=True, on_delete=models.PROTECT, related_name="cases"
    )
    open311_token = models.CharField(max_length=40, blank=True, db_index=True)
    created_at = models.DateTimeField(_("上报时间"), auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    resolved_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("归档时间"), null=True, blank=True)
    # Optimistic lock: a move names the version it saw; a newer one means somebody else acted.
    version = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("事件")
        verbose_name_plural = _("事件")
        ordering = ["-id"]
        indexes = [
            models.Index(
                fields=["region_path", "id"],
                name="case_region_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # The overdue sweep reads only open cases not yet marked, by deadline.
            models.Index(
                fields=["deadline"],
                name="case_open_deadline_idx",
                condition=Q(state__in=OPEN_STATES, overdue=False),
            ),
            models.Index(fields=["handling_region", "state"], name="case_handling_idx"),
            models.Index(
                fields=["resolved_at"],
                name="case_awaiting_rating_idx",
                condition=Q(state="awaiting_rating"),
            ),
            models.Index(fields=["building", "state"], name="case_building_idx"),
            models.Index(fields=["estate", "state"], name="case_estate_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.number} {self.title}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES


class CaseFollower(models.Model):
    """A resident who has the same problem and joined an open case instead of reporting it
    again: they see it among their cases and are told when it is resolved."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], name="case_follower_unique")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}:{self.user_id}"


class CaseEvent(models.Model):
    """The case timeline: every move, who, when, from, to, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    action = models.CharField(_("操作"), max_length=20)
    from_state = models.CharField(max_length=16, blank=True)
    to_state = models.CharField(max_length=16, blank=True)
    from_tier = models.CharField(max_length=16, blank=True)
    to_tier = models.CharField(max_length=16, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("说明"), max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("办理记录")
        verbose_name_plural = _("办理记录")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.case_id} {self.action}"

    @property
    def label(self) -> str:
        from weiwang.cases.workflow import MOVES

        move = MOVES.get(self.action)
        return str(move.label) if move else self.action

    @property
    def to_tier_label(self) -> str:
        return Tier(self.to_tier).label if self.to_tier in Tier.values else ""


def photo_path(instance: CasePhoto, filename: str) -> str:
    return f"cases/{instance.case_id}/{filename}"


class CasePhoto(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="photos")
    event = models.ForeignKey(
        CaseEvent, null=True, blank=True, on_delete=models.CASCADE, related_name="photos"
    )
    image = models.ImageField(upload_to=photo_path)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.image.name


class Open311Key(models.Model):
    """An Open311 client allowed to POST requests (`manage.py create_open311_key NAME`)."""

    name = models.CharField(_("名称"), max_length=100, unique=True)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)  # SHA-256
    active = models.BooleanField(_("启用"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("Open311 接入密钥")
        verbose_name_plural = _("Open311 接入密钥")

    def __str__(self) -> str:
        return self.name
