"""Checking each row with reasons a person understands, and finding where it belongs."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from weiwang.core import bulk, crypto
from weiwang.core.errors import ApplicationError
from weiwang.core.identity import normalise_phone, parse_id_number
from weiwang.people.importing.addresses import Address, parse_address
from weiwang.people.importing.sheets import Sheet, SheetRow
from weiwang.people.models import (
    PopulationTag,
    Relation,
    ResidenceType,
    Resident,
    ResidentPhone,
    ResidentTag,
)
from weiwang.regions.models import Building, Dwelling, Estate, Region

RELATIONS = {
    **{str(label): value for value, label in Relation.choices},
    "本人": Relation.HEAD,
    "妻子": Relation.SPOUSE,
    "丈夫": Relation.SPOUSE,
    "妻": Relation.SPOUSE,
    "夫": Relation.SPOUSE,
    "儿子": Relation.CHILD,
    "女儿": Relation.CHILD,
    "子": Relation.CHILD,
    "女": Relation.CHILD,
    "父亲": Relation.PARENT,
    "母亲": Relation.PARENT,
    "孙子": Relation.GRANDCHILD,
    "孙女": Relation.GRANDCHILD,
    "外孙": Relation.GRANDCHILD,
    "外孙女": Relation.GRANDCHILD,
}
RESIDENCE = {
    "常住": ResidenceType.PERMANENT,
    "户籍": ResidenceType.PERMANENT,
    "常住人口": ResidenceType.PERMANENT,
    "户籍人口": ResidenceType.PERMANENT,
    "流动": ResidenceType.FLOATING,
    "流动人口": ResidenceType.FLOATING,
    "暂住": ResidenceType.FLOATING,
    "租住": ResidenceType.FLOATING,
}
TAG_SEPARATORS = re.compile(r"[、,;/\s]+")


@dataclass(slots=True)
class Target:
    """Where a valid row goes: an existing dwelling, or one to create in a mapped building."""

    address: Address
    estate: Estate
    dwelling_id: int | None
    micro_grid_id: int

    @property
    def key(self) -> tuple[int, str, str, str]:
        a = self.address
        return (self.estate.pk, a.building, a.unit, a.room)


@dataclass
class ImportReport:
    sheet: Sheet
    checker: _Checker
    committed: bool = False  # the valid rows are written (in a transaction that may yet fail)
    counts: dict[str, int] = field(default_factory=dict)

    def writable(self, *, dry_run: bool, skip_invalid: bool) -> bool:
        """Whether to write: not a dry run, and every row valid unless staff chose to skip."""
        return not dry_run and (skip_invalid or not self.refused)

    @property
    def refused(self) -> list[SheetRow]:
        return [row for row in self.sheet.rows if row.errors]


class _Checker:
    """Per-row validation with the lookups the rows share cached."""

    def __init__(self, community: Region):
        self.community = community
        self.estates = {e.name: e for e in Estate.objects.filter(community=community)}
        self.tags = {t.name: t for t in PopulationTag.objects.filter(active=True)}
        self.seen_ids: dict[str, int] = {}
        # Every dwelling of the community once, instead of queries per row.
        self.dwellings: dict[tuple[int, str, str, str], tuple[int, int]] = {}
        self.unit_grid: dict[tuple[int, str, str], int] = {}
        self.building_grid: dict[tuple[int, str], int] = {}
        rows = Dwelling.objects.filter(unit__building__estate__community=community).values_list(
            "pk",
            "unit__building__estate_id",
            "unit__building__number",
            "unit__number",
            "room",
            "micro_grid_id",
        )
        for pk, estate, building, unit, room, grid in rows:
            self.dwellings[(estate, building, unit, room)] = (pk, grid)
            self.unit_grid.setdefault((estate, building, unit), grid)
            self.building_grid.setdefault((estate, building), grid)
        # Buildings staff put into a micro-grid before any dwelling was registered.
        assigned = Building.objects.filter(
            estate__community=community, micro_grid__isnull=False
        ).values_list("estate_id", "number", "micro_grid_id")
        for estate, building, grid in assigned:
            self.building_grid[(estate, building)] = grid
        self.existing: dict[str, Resident] = {}
        self.existing_tags: dict[int, set[int]] = {}
        self.existing_phones: dict[int, set[str]] = {}

    def match_existing(self, rows: list[SheetRow]) -> None:
        """After `check`: find residents already registered under the rows' ID numbers, a
        thousand at a time, with their tags and phones (so that unchanged rows cost nothing)."""
        indexes = [row.id_index for row in rows if row.id_index]
        # Ids first: with the joins below, a thousand-value lookup is planned as a scan of
        # every household, while most rows of a first import match nobody.
        ids = bulk.pks_matching(Resident, "id_number_index", indexes)
        for start in range(0, len(ids), 1000):
            found = Resident.objects.filter(pk__in=ids[start : start + 1000])
            for resident in found.select_related("household__dwelling"):
                self.existing[resident.id_number_index] = resident
        for start in range(0, len(ids), 1000):
            batch = ids[start : start + 1000]
            links = ResidentTag.objects.filter(resident_id__in=batch)
            for resident_id, tag_id in links.values_list("resident_id", "tag_id"):
                self.existing_tags.setdefault(resident_id, set()).add(tag_id)
            phones = ResidentPhone.objects.filter(resident_id__in=batch)
            for resident_id, index in phones.values_list("resident_id", "number_index"):
                self.existing_phones.setdefault(resident_id, set()).add(index)
        for row in rows:
            if row.facts and row.target:
                self._existing(row)

    def check(self, row: SheetRow) -> None:
        values, errors = row.values, row.errors
        if not values.get("name"):
            errors.append(_("缺少姓名。"))
        row.facts = self._id_number(row)
        if values.get("phone"):
            try:
                row.phone = normalise_phone(values["phone"])
            except ApplicationError as error:
                errors.append(error.message)
        row.relation = self._choice(
            values.get("relation", ""), RELATIONS, Relation.HEAD, gettext_lazy("与户主关系"), errors
        )
        row.residence = self._choice(
            values.get("residence_type", ""),
            RESIDENCE,
            ResidenceType.PERMANENT,
            gettext_lazy("人员类型"),
            errors,
        )
        row.tag_list = self._tags(values.get("tags", ""), errors)
        row.target = self._target(values, errors)

    def _id_number(self, row: SheetRow):
        try:
            facts = parse_id_number(row.values.get("id_number", ""))
        except ApplicationError as error:
            row.errors.append(error.message)
            return None
        row.id_index = crypto.blind_index(facts.number)
        first = self.seen_ids.setdefault(facts.number, row.line)
        if first != row.line:
            row.errors.append(_("与第 %(line)d 行的身份证号重复。") % {"line": first})
        return facts

    @staticmethod
    def _choice(text: str, table: dict, default: str, label, errors: list[str]) -> str:
        if not text:
            return default
        if text not in table:
            errors.append(_("%(label)s“%(value)s”无法识别。") % {"label": label, "value": text})
            return default
        return table[text]

    def _tags(self, text: str, errors: list[str]) -> list[PopulationTag]:
        tags = []
        for name in filter(None, TAG_SEPARATORS.split(text)):
            if name in self.tags:
                tags.append(self.tags[name])
            else:
                errors.append(_("没有名为“%(name)s”的人群标签。") % {"name": name})
        return tags

    def _target(self, values: dict[str, str], errors: list[str]) -> Target | None:
        try:
            address = parse_address(values)
        except ApplicationError as error:
            errors.append(error.message)
            return None
        estate = self.estates.get(address.estate) or next(
            (e for name, e in self.estates.items() if address.estate.startswith(name)), None
        )
        if estate is None:
            errors.append(
                _("小区“%(estate)s”不在%(community)s,请先在系统中登记该小区。")
                % {"estate": address.estate or "?", "community": self.community.name}
            )
            return None
        found = self.dwellings.get((estate.pk, address.building, address.unit, address.room))
        if found is not None:
            return Target(address, estate, found[0], found[1])
        # A new dwelling joins the micro-grid its unit (or else its building) already belongs to.
        grid = self.unit_grid.get((estate.pk, address.building, address.unit)) or (
            self.building_grid.get((estate.pk, address.building))
        )
        if grid is None:
            errors.append(
                _("%(estate)s%(building)s栋还没有划入微网格,请先划分后再导入。")
                % {"estate": estate.name, "building": address.building}
            )
            return None
        return Target(address, estate, None, grid)

    def _existing(self, row: SheetRow) -> None:
        row.existing = self.existing.get(row.id_index)
        if row.existing is None:
            return
        if row.existing.household.dwelling_id != row.target.dwelling_id:
            row.errors.append(
                _("该身份证号已登记在“%(address)s”的住户中;搬迁请在居民页登记。")
                % {"address": row.existing.household.dwelling.address}
            )
