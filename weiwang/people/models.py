"""Households, residents, their phones and special-population tags."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from weiwang.regions.models import Dwelling, Region


class Household(models.Model):
    """户: the people living in one dwelling (a dwelling may hold more than one household)."""

    dwelling = models.ForeignKey(
        Dwelling, on_delete=models.PROTECT, related_name="households", verbose_name=_("房屋")
    )
    micro_grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("户")
        verbose_name_plural = _("户")
        indexes = [
            models.Index(
                fields=["region_path"],
                name="household_region_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return f"{self.dwelling.address}"


class Sex(models.TextChoices):
    MALE = "male", _("男")
    FEMALE = "female", _("女")


class ResidenceType(models.TextChoices):
    PERMANENT = "permanent", _("常住")
    FLOATING = "floating", _("流动")


class Relation(models.TextChoices):
    HEAD = "head", _("户主")
    SPOUSE = "spouse", _("配偶")
    CHILD = "child", _("子女")
    PARENT = "parent", _("父母")
    GRANDCHILD = "grandchild", _("孙子女")
    SIBLING = "sibling", _("兄弟姐妹")
    TENANT = "tenant", _("租户")
    OTHER = "other", _("其他")


class ResidentStatus(models.TextChoices):
    CURRENT = "current", _("在册")
    MOVED_OUT = "moved_out", _("已迁出")
    DECEASED = "deceased", _("已故")


class Resident(models.Model):
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("户")
    )
    micro_grid = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)

    name = models.CharField(_("姓名"), max_length=50)
    name_pinyin = models.CharField(max_length=200, editable=False)
    name_initials = models.CharField(max_length=50, editable=False)

    # Sensitive (PIPL): kept to identify the person for services and subsidies; encrypted,
    # looked up through the blind index, shown masked.
    id_number_encrypted = models.TextField(blank=True, default="", editable=False)
    # NULL, not "", for residents without an ID number, so the unique constraint ignores them.
    id_number_index = models.CharField(  # noqa: DJ001
        max_length=32, null=True, blank=True, editable=False
    )
    id_number_masked = models.CharField(_("身份证号"), max_length=18, blank=True, default="")

    sex = models.CharField(_("性别"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    registered_address = models.CharField(_("户籍地址"), max_length=255, blank=True)
    residence_type = models.CharField(
        _("居住类型"), max_length=16, choices=ResidenceType.choices, default=ResidenceType.PERMANENT
    )
    relation_to_head = models.CharField(
        _("与户主关系"), max_length=16, choices=Relation.choices, default=Relation.HEAD
    )
    moved_in_on = models.DateField(_("入住日期"), null=True, blank=True)
    # Residents who left or died stay on record for their history, outside the lists.
    status = models.CharField(
        _("状态"),
        max_length=16,
        choices=ResidentStatus.choices,
        default=ResidentStatus.CURRENT,
        db_default=ResidentStatus.CURRENT,
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("居民")
        verbose_name_plural = _("居民")
        constraints = [
            models.UniqueConstraint(fields=["id_number_index"], name="resident_unique_id_number"),
        ]
        indexes = [
            models.Index(
                fields=["region_path", "id"],
                name="resident_region_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
            ),
            # Prefix search (LIKE 'zs%') uses these on PostgreSQL through the pattern opclass.
            models.Index(
                fields=["name_pinyin"],
                name="resident_pinyin_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_initials"],
                name="resident_initials_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ResidentPhone(models.Model):
    class Label(models.TextChoices):
        OWN = "own", _("本人")
        FAMILY = "family", _("家属")
        EMERGENCY = "emergency", _("紧急联系人")

    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="phones")
    label = models.CharField(_("类型"), max_length=16, choices=Label.choices, default=Label.OWN)
    # Sensitive (PIPL): kept to reach the resident; encrypted, shown masked.
    number_encrypted = models.TextField(editable=False)
    number_index = models.CharField(max_length=32, editable=False)
    number_masked = models.CharField(_("电话"), max_length=20)
    # The last four digits are shown by the mask anyway; kept in clear for search.
    last4 = models.CharField(max_length=4, editable=False)

    class Meta:
        verbose_name = _("电话")
        verbose_name_plural = _("电话")
        indexes = [
            models.Index(fields=["last4"], name="phone_last4_idx"),
            models.Index(fields=["number_index"], name="phone_index_idx"),
        ]

    def __str__(self) -> str:
        return self.number_masked


class PopulationTag(models.Model):
    """特殊人群标签, editable data: 独居老人, 高龄老人, 残疾人, 低保 …"""

    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=40, unique=True)
    purpose = models.CharField(_("保留原因"), max_length=200)
    # Health, disability and hardship details are sensitive: volunteers do not see them.
    sensitive = models.BooleanField(_("敏感"), default=False)
    active = models.BooleanField(_("启用"), default=True)

    class Meta:
        verbose_name = _("人群标签")
        verbose_name_plural = _("人群标签")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class ResidentTag(models.Model):
    resident = models.ForeignKey(Resident, on_delete=models.CASCADE, related_name="tag_links")
    tag = models.ForeignKey(PopulationTag, on_delete=models.PROTECT, related_name="resident_links")
    note = models.CharField(_("备注"), max_length=200, blank=True)
    since = models.DateField(_("起始日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("居民标签")
        verbose_name_plural = _("居民标签")
        constraints = [
            models.UniqueConstraint(fields=["resident", "tag"], name="resident_tag_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.resident_id}:{self.tag_id}"


class ExportStatus(models.TextChoices):
    PENDING = "pending", _("待审批")
    APPROVED = "approved", _("已批准")
    REJECTED = "rejected", _("已驳回")
    DOWNLOADED = "downloaded", _("已下载")


class ExportRequest(models.Model):
    """A request for an unmasked export: a second authorised person must approve it."""

    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("申请人"),
    )
    reason = models.CharField(_("申请原因"), max_length=300)
    query = models.CharField(_("查询条件"), max_length=60, blank=True)
    tag = models.CharField(_("人群标签"), max_length=40, blank=True)
    region = models.ForeignKey(
        Region,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("区域"),
    )
    status = models.CharField(
        _("状态"), max_length=16, choices=ExportStatus.choices, default=ExportStatus.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("审批人"),
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    downloaded_at = models.DateTimeField(_("下载时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("完整信息导出申请")
        verbose_name_plural = _("完整信息导出申请")
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"export #{self.pk} ({self.status})"


class LifeEventKind(models.TextChoices):
    MOVE_IN = "move_in", _("迁入")
    MOVE_OUT = "move_out", _("迁出")
    MOVE_WITHIN = "move_within", _("社区内搬迁")
    BIRTH = "birth", _("出生")
    DEATH = "death", _("死亡")
    HEAD_CHANGE = "head_change", _("变更户主")
    TAG_ADDED = "tag_added", _("添加标签")
    TAG_REMOVED = "tag_removed", _("移除标签")
    UPDATED = "updated", _("信息变更")


class LifeEvent(models.Model):
    """One change in a resident's life as the registry saw it; the resident's history."""

    resident = models.ForeignKey(Resident, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(_("类型"), max_length=16, choices=LifeEventKind.choices)
    occurred_on = models.DateField(_("日期"))
    # Where it happened (the dwelling moved into, born in, …) and, for moves, where from.
    dwelling = models.ForeignKey(
        Dwelling, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    from_dwelling = models.ForeignKey(
        Dwelling, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    place = models.CharField(_("迁入来源或迁出去向"), max_length=200, blank=True)
    tag = models.ForeignKey(
        PopulationTag, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    note = models.CharField(_("备注"), max_length=200, blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(_("登记时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("人员变动")
        verbose_name_plural = _("人员变动")
        ordering = ["-occurred_on", "-id"]
        indexes = [models.Index(fields=["dwelling", "occurred_on"], name="event_dwelling_idx")]

    def __str__(self) -> str:
        return f"{self.resident_id} {self.kind} {self.occurred_on}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("已上传")
    CHECKED = "checked", _("已检查")
    DONE = "done", _("已导入")
    FAILED = "failed", _("失败")
    EXPIRED = "expired", _("已过期")


class ImportJob(models.Model):
    """One uploaded sheet on its way into a community: check (dry run), then import."""

    community = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    file_name = models.CharField(_("文件名"), max_length=200)
    stored_as = models.CharField(max_length=255)
    status = models.CharField(
        _("状态"), max_length=16, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    # Field → column index, as detected and then corrected by staff.
    columns = models.JSONField(default=dict)
    header = models.JSONField(default=list)
    counts = models.JSONField(default=dict)
    errors = models.JSONField(default=list)  # the first refused rows, for the page
    message = models.CharField(max_length=500, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.file_name
