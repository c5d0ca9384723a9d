"""The region tree (区 → 街道 → 社区 → 网格 → 微网格) and the address tree below a community."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    DISTRICT = "district", _("区")
    STREET = "street", _("街道")
    COMMUNITY = "community", _("社区")
    GRID = "grid", _("网格")
    MICRO_GRID = "micro_grid", _("微网格")


LEVEL_ORDER = [level.value for level in RegionLevel]
CHILD_LEVEL = dict(zip(LEVEL_ORDER, [*LEVEL_ORDER[1:], None], strict=True))

# Household counts the reform prescribes; sizes outside are flagged, never refused.
GRID_HOUSEHOLDS = (300, 500)
MICRO_GRID_HOUSEHOLDS = (30, 100)


class GridKind(models.TextChoices):
    GENERAL = "general", _("一般网格")
    DEDICATED = "dedicated", _("专属网格")


def path_prefixes(path: str) -> list[str]:
    """The paths of a region and of every region above it, top first: "/1/5/9/" gives
    ["/1/", "/1/5/", "/1/5/9/"]."""
    parts = path.strip("/").split("/")
    return ["/" + "/".join(parts[:n]) + "/" for n in range(1, len(parts) + 1)]


class Region(models.Model):
    """One node of the tree. `path` is a materialized path ("/1/4/19/") for subtree queries."""

    parent = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    level = models.CharField(_("层级"), max_length=16, choices=RegionLevel.choices)
    name = models.CharField(_("名称"), max_length=100)
    code = models.CharField(_("编码"), max_length=32, unique=True)
    path = models.CharField(_("路径"), max_length=255, unique=True, editable=False)
    grid_kind = models.CharField(
        _("网格类型"), max_length=16, choices=GridKind.choices, blank=True, default=""
    )
    # Pre-aggregated figures, kept by services and `recount_regions`; never a COUNT per request.
    dwelling_count = models.PositiveIntegerField(_("房屋数"), default=0)
    household_count = models.PositiveIntegerField(_("户数"), default=0)
    resident_count = models.PositiveIntegerField(_("人数"), default=0)

    class Meta:
        verbose_name = _("区域")
        verbose_name_plural = _("区域")
        ordering = ["path"]
        indexes = [
            models.Index(
                fields=["path"], name="region_path_prefix_idx", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["parent", "name"], name="region_parent_name_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def ancestor_ids(self) -> list[int]:
        return [int(part) for part in self.path.strip("/").split("/")[:-1]]

    @property
    def child_level(self) -> str | None:
        return CHILD_LEVEL[self.level]

    @property
    def size_flag(self) -> str:
        """'small' / 'large' when the household count is outside the prescribed range."""
        bounds = {RegionLevel.GRID: GRID_HOUSEHOLDS, RegionLevel.MICRO_GRID: MICRO_GRID_HOUSEHOLDS}
        low_high = bounds.get(self.level)
        if low_high is None or (
            self.level == RegionLevel.GRID and self.grid_kind == GridKind.DEDICATED
        ):
            return ""
        if self.household_count < low_high[0]:
            return "small"
        if self.household_count > low_high[1]:
            return "large"
        return ""


class Estate(models.Model):
    """小区 / 院落: a housing estate or courtyard inside a community."""

    community = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="estates", verbose_name=_("社区")
    )
    name = models.CharField(_("小区名称"), max_length=100)
    address = models.CharField(_("地址"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("小区")
        verbose_name_plural = _("小区")
        constraints = [
            models.UniqueConstraint(fields=["community", "name"], name="estate_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class Building(models.Model):
    estate = models.ForeignKey(
        Estate, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("小区")
    )
    number = models.CharField(_("楼栋号"), max_length=20)
    # Where new dwellings of this building go when its units have none yet (staff keep it).
    micro_grid = models.ForeignKey(
        "Region",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("所属微网格"),
    )

    class Meta:
        verbose_name = _("楼栋")
        verbose_name_plural = _("楼栋")
        constraints = [
            models.UniqueConstraint(fields=["estate", "number"], name="building_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.estate.name}{self.number}栋"


class Unit(models.Model):
    building = models.ForeignKey(
        Building, on_delete=models.PROTECT, related_name="units", verbose_name=_("楼栋")
    )
    number = models.CharField(_("单元号"), max_length=20)

    class Meta:
        verbose_name = _("单元")
        verbose_name_plural = _("单元")
        constraints = [
            models.UniqueConstraint(fields=["building", "number"], name="unit_unique_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number}单元"


class Dwelling(models.Model):
    """房屋: one address. Each dwelling lies in exactly one micro-grid."""

    unit = models.ForeignKey(
        Unit, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("单元")
    )
    room = models.CharField(_("房号"), max_length=20)
    micro_grid = models.ForeignKey(
        Region, on_delete=models.PROTECT, related_name="dwellings", verbose_name=_("微网格")
    )
    # Copy of micro_grid.path so scoped queries need no join; kept by the services.
    region_path = models.CharField(max_length=255, editable=False)
    address = models.CharField(_("地址"), max_length=255)

    class Meta:
        verbose_name = _("房屋")
        verbose_name_plural = _("房屋")
        constraints = [
            models.UniqueConstraint(fields=["unit", "room"], name="dwelling_unique_room"),
        ]
        indexes = [
            models.Index(
                fields=["region_path"],
                name="dwelling_region_path_idx",
                opclasses=["varchar_pattern_ops"],
            ),
        ]

    def __str__(self) -> str:
        return self.address
