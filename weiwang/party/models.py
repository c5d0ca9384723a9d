"""Party building in the grid: organisations mirrored on the regions (社区党委 → 网格党支部 →
微网格党小组), members (showing their identity, serving a micro-grid), 党员中心户 and their
neighbours, in-service members' dual registration (双报到) with their employer units, and the
needs list residents post and members or units claim."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrgLevel(models.TextChoices):
    COMMITTEE = "committee", _("社区党委")
    BRANCH = "branch", _("网格党支部")
    GROUP = "group", _("微网格党小组")


class PartyOrganisation(models.Model):
    name = models.CharField(_("名称"), max_length=100)
    level = models.CharField(_("层级"), max_length=12, choices=OrgLevel.choices)
    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    region = models.ForeignKey(
        "regions.Region", on_delete=models.PROTECT, related_name="+", verbose_name=_("对应区域")
    )
    region_path = models.CharField(max_length=255, editable=False)

    class Meta:
        verbose_name = _("党组织")
        verbose_name_plural = _("党组织")
        ordering = ["region_path", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["region", "level"], name="party_org_one_per_region"),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(models.Model):
    """An employer unit of in-service members, registered with the community (双报到)."""

    name = models.CharField(_("单位名称"), max_length=100)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    contact = models.CharField(_("联系人"), max_length=50, blank=True)
    resources = models.CharField(_("可提供的资源"), max_length=300, blank=True)
    registered_on = models.DateField(_("报到日期"))

    class Meta:
        verbose_name = _("报到单位")
        verbose_name_plural = _("报到单位")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Relation(models.TextChoices):
    LOCAL = "local", _("组织关系在社区")
    DUAL = "dual", _("在职党员双报到")


class PartyMember(models.Model):
    name = models.CharField(_("姓名"), max_length=50)
    resident = models.ForeignKey(
        "people.Resident", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="party_member",
    )
    organisation = models.ForeignKey(
        PartyOrganisation,
        on_delete=models.PROTECT,
        related_name="members",
        verbose_name=_("党组织"),
    )
    region_path = models.CharField(max_length=255, editable=False)
    relation = models.CharField(_("组织关系"), max_length=8, choices=Relation.choices)
    serves = models.ForeignKey(
        "regions.Region",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("服务的微网格"),
    )
    identity_shown_on = models.DateField(_("亮身份日期"), null=True, blank=True)
    skills = models.CharField(_("特长"), max_length=200, blank=True)
    available = models.CharField(_("可服务时间"), max_length=100, blank=True)
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    dual_registered_on = models.DateField(_("双报到日期"), null=True, blank=True)

    class Meta:
        verbose_name = _("党员")
        verbose_name_plural = _("党员")
        ordering = ["name", "pk"]

    def __str__(self) -> str:
        return self.name


class CentralHousehold(models.Model):
    """党员中心户: a member's household looking after the neighbouring households."""

    member = models.OneToOneField(PartyMember, on_delete=models.CASCADE, related_name="central")
    household = models.ForeignKey("people.Household", on_delete=models.PROTECT, related_name="+")
    neighbours = models.ManyToManyField("people.Household", related_name="+", blank=True)

    class Meta:
        verbose_name = _("党员中心户")
        verbose_name_plural = _("党员中心户")

    def __str__(self) -> str:
        return str(self.member)


class NeedStatus(models.TextChoices):
    OPEN = "open", _("待接单")
    CLAIMED = "claimed", _("已接单")
    DONE = "done", _("已完成")
    RATED = "rated", _("已评价")
    WITHDRAWN = "withdrawn", _("已撤回")


class Need(models.Model):
    """群众点单 → 党员接单 → 群众评单."""

    title = models.CharField(_("需求"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    community = models.ForeignKey("regions.Region", on_delete=models.PROTECT, related_name="+")
    region_path = models.CharField(max_length=255, editable=False)
    posted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        _("状态"), max_length=10, choices=NeedStatus.choices, default=NeedStatus.OPEN
    )
    member = models.ForeignKey(
        PartyMember, null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    unit = models.ForeignKey(
        Unit, null=True, blank=True, on_delete=models.PROTECT, related_name="needs"
    )
    claimed_at = models.DateTimeField(null=True, blank=True)
    done_at = models.DateTimeField(null=True, blank=True)
    done_note = models.CharField(_("完成情况"), max_length=300, blank=True)
    rating = models.PositiveSmallIntegerField(_("评分"), null=True, blank=True)
    rating_comment = models.CharField(_("评价"), max_length=300, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("群众需求")
        verbose_name_plural = _("群众需求")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(rating__isnull=True) | models.Q(rating__gte=1, rating__lte=5),
                name="need_rating_1_to_5",
            ),
        ]

    def __str__(self) -> str:
        return self.title
