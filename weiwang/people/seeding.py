"""Deterministic synthetic communities: the 兴乐社区 demo and city-scale areas for benchmarks.

Everything is generated from one `random.Random(seed)`, so the same seed gives the same people.
Rows are written through the bulk adapter (COPY on PostgreSQL) with pre-assigned ids; sensitive
values are encrypted and indexed exactly as the services do for a single resident.
"""

from __future__ import annotations

import bisect
import datetime as dt
import importlib.resources
import itertools
import math
import multiprocessing
import os
import random
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TypeVar

from django.db import connection, connections, transaction
from django.utils import timezone
from faker.providers.person.zh_CN import Provider as NameData
from stdnum.cn import ric

from weiwang.core import bulk
from weiwang.people.models import Household, PopulationTag, Resident, ResidentPhone, ResidentTag
from weiwang.people.pinyin import fast_name_pinyin
from weiwang.people.rows import (
    PHONE_COLUMNS,
    RESIDENT_COLUMNS,
    TAG_COLUMNS,
    phone_values,
    resident_values,
)
from weiwang.regions.models import Building, Dwelling, Estate, GridKind, Region, RegionLevel, Unit
from weiwang.regions.services import format_address, recount_regions, region_create

DEMO_RESIDENTS = 17_000
COMMUNITIES_PER_STREET = 10
GRIDS_PER_COMMUNITY = 5
TODAY = dt.date(2026, 11, 1)  # a fixed "today" keeps ages deterministic across runs

# The demo community's five grids, after the newspaper report; the first two are named there.
DEMO_GRIDS = ["红星小区", "汉嘉国际社区", "香城花园", "兴乐苑", "桂湖丽景"]
EXTRA_ESTATES = [
    "锦绣家园",
    "翠微苑",
    "金桂园",
    "龙湖花园",
    "天府名居",
    "蜀韵华庭",
    "宝光小区",
    "升庵苑",
    "泰兴花园",
    "新繁佳苑",
    "蓉北雅居",
    "凤凰城",
]

# 特殊人群标签: (code, name, why it is kept, sensitive).
DEFAULT_TAGS = [
    ("living_alone_elderly", "独居老人", "定期走访、紧急情况下联系", False),
    ("advanced_age", "高龄老人", "高龄津贴发放与健康关怀", False),
    ("disabled", "残疾人", "残疾人补贴与无障碍服务", True),
    ("minimum_living", "低保", "最低生活保障的核对与复审", True),
    ("extreme_poverty", "特困", "特困人员供养与救助", True),
    ("children_in_difficulty", "困境儿童", "儿童保护与关爱帮扶", True),
    ("chronic_illness", "重病慢病", "健康随访与上门送药", True),
    ("veteran", "退役军人", "优抚政策落实与走访慰问", False),
]

ZHANG_SAN_BIRTH_START = dt.date(1965, 3, 1)
MOVE_IN_START = dt.date(2022, 6, 1)  # 兴乐社区 was founded in June 2022
SEQ_RESIDUES = 50  # the 500 sequence numbers per sex, split into 50 slices of 10
BULK_MODELS = [Dwelling, Household, Resident, ResidentPhone, ResidentTag]


@dataclass
class SeedReport:
    regions: int = 0
    dwellings: int = 0
    households: int = 0
    residents: int = 0
    phones: int = 0
    tags: int = 0
    communities: list[str] = field(default_factory=list)

    def add(self, other: SeedReport) -> None:
        for name in ("regions", "dwellings", "households", "residents", "phones", "tags"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.communities += other.communities


@cache
def _stable_area_codes() -> tuple[list[str], list[str]]:
    """County codes valid for any birth year (no date range), split into Sichuan and elsewhere."""
    text = (importlib.resources.files("stdnum") / "cn" / "loc.dat").read_text(encoding="utf-8")
    sichuan, elsewhere = [], []
    province = ""
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        if not line.startswith(" "):
            province = line.split()[0]
            continue
        code, _, rest = line.strip().partition(" ")
        if code.endswith("00") or "[" in rest or "市辖区" in rest:
            continue
        (sichuan if province == "51" else elsewhere).append(province + code)
    return sichuan, elsewhere


@cache
def _name_pools() -> tuple[list[str], list[float], list[str], list[str]]:
    surnames = list(NameData.last_names.keys())
    weights = list(NameData.last_names.values())
    male_chars = sorted({c for n in NameData.first_names_male for c in n})
    female_chars = sorted({c for n in NameData.first_names_female for c in n})
    return surnames, weights, male_chars, female_chars


class PersonFactory:
    """Names, ID numbers and phones, deterministic for one Random.

    Hot path: every draw is `rng.random()` scaled to an index (randrange and choice cost several
    times more), and given names come from a prebuilt pool that carries their pinyin.
    """

    def __init__(self, rng: random.Random, partition: IdPartition):
        self.rng = rng
        self.residue = partition.residue
        surnames, weights, male_chars, female_chars = _name_pools()
        self.surnames = [(name, *fast_name_pinyin(name, "")) for name in surnames]
        self.cum_weights = list(itertools.accumulate(weights))
        self.total_weight = self.cum_weights[-1]
        self.given = {"male": _given_pool(male_chars), "female": _given_pool(female_chars)}
        sichuan, elsewhere = _stable_area_codes()
        self.sichuan = sichuan[partition.group :: partition.groups]
        self.elsewhere = elsewhere[partition.group :: partition.groups]
        self.used_ids: set[str] = {zhang_san_id_number()}

    def pick(self, items: Sequence[T]) -> T:
        return items[int(self.rng.random() * len(items))]

    def surname(self) -> tuple[str, str, str]:
        """(surname, pinyin, initial), drawn by frequency."""
        index = bisect.bisect(self.cum_weights, self.rng.random() * self.total_weight)
        return self.surnames[min(index, len(self.surnames) - 1)]

    def name(self, sex: str, surname: tuple[str, str, str]) -> tuple[str, str, str]:
        """(name, pinyin, initials) with a given name of one (30%) or two characters."""
        singles, doubles = self.given[sex]
        roll = self.rng.random()
        if roll < 0.3:
            given = singles[int(roll / 0.3 * len(singles))]
        else:
            given = doubles[int((roll - 0.3) / 0.7 * len(doubles))]
        return surname[0] + given[0], surname[1] + given[1], surname[2] + given[2]

    def id_number(self, birth: dt.date, sex: str, local: bool) -> str:
        area = self.pick(self.sichuan if local else self.elsewhere)
        born = birth.isoformat().replace("-", "")
        parity = 1 if sex == "male" else 0
        while True:
            seq = (self.residue + SEQ_RESIDUES * int(self.rng.random() * 10)) * 2 + parity
            body = f"{area}{born}{seq:03d}"
            number = body + ric.calc_check_digit(body + "0")
            if number not in self.used_ids:
                self.used_ids.add(number)
                return number

    def phone(self) -> str:
        return f"1{self.pick('35789')}{int(self.rng.random() * 10**9):09d}"


T = TypeVar("T")


def _given_pool(chars: list[str]) -> tuple[list[tuple[str, str, str]], list[tuple[str, str, str]]]:
    """Every one- and two-character given name from the characters, with pinyin and initials."""
    syllable = {c: fast_name_pinyin("", c)[0] for c in chars}
    singles = [(c, syllable[c], syllable[c][:1]) for c in chars]
    doubles = [
        (a + b, syllable[a] + syllable[b], syllable[a][:1] + syllable[b][:1])
        for a in chars
        for b in chars
    ]
    return singles, doubles


def _birth(rng: random.Random, age_low: int, age_high: int) -> dt.date:
    span = (age_high - age_low) * 365 + 364
    return TODAY - dt.timedelta(days=age_low * 365 + int(rng.random() * span))


def _age(birth: dt.date) -> int:
    return (TODAY - birth).days // 365


@dataclass(frozen=True)
class IdPartition:
    """A community's own slice of the ID-number space, so parallel communities never collide:
    sequence digits ≡ residue (mod SEQ_RESIDUES) and every `groups`-th area code from `group`."""

    residue: int
    group: int
    groups: int

    @classmethod
    def of(cls, index: int, communities: int) -> IdPartition:
        groups = math.ceil(communities / SEQ_RESIDUES)
        if groups > len(_stable_area_codes()[0]):
            raise ValueError(f"At most {SEQ_RESIDUES * len(_stable_area_codes()[0])} communities.")
        return cls(residue=index % SEQ_RESIDUES, group=index // SEQ_RESIDUES, groups=groups)


class IdBlocks:
    """Primary keys handed out in blocks from counters shared by every worker process."""

    def __init__(self, models_: list[type]):
        context = multiprocessing.get_context("fork")
        self.counters = {
            m._meta.label: context.Value("q", bulk.reserve_ids(m, 0).start) for m in models_
        }

    def block(self, model: type, count: int) -> range:
        counter = self.counters[model._meta.label]
        with counter.get_lock():
            start = counter.value
            counter.value += count
        return range(start, start + count)


class _Ids:
    """Pre-assigned primary keys, handed out in order."""

    def __init__(self, block: range):
        self.range = block
        self.next = block.start

    def take(self) -> int:
        value = self.next
        self.next += 1
        return value


class AreaBuilder:
    """Writes one community at a time: grids, micro-grids, estates down to residents."""

    def __init__(
        self, *, rng: random.Random, partition: IdPartition, ids: IdBlocks, tag_ids: dict[str, int]
    ):
        self.rng = rng
        self.people = PersonFactory(rng, partition)
        self.ids = ids
        self.report = SeedReport()
        self.now = timezone.now()
        self.tag_ids = tag_ids

    # -- regions -------------------------------------------------------------------------------

    def region(
        self, *, parent: Region | None, level: str, name: str, code: str, grid_kind: str = ""
    ) -> Region:
        region = region_create(
            parent=parent, level=level, name=name, code=code, grid_kind=grid_kind
        )
        self.report.regions += 1
        return region

    # -- one community -------------------------------------------------------------------------

    def community(
        self, *, street: Region, name: str, code: str, residents: int, grid_names: list[str]
    ) -> Region:
        community = self.region(parent=street, level=RegionLevel.COMMUNITY, name=name, code=code)
        self.report.communities.append(name)
        per_grid = residents // len(grid_names)
        for index, grid_name in enumerate(grid_names, start=1):
            target = per_grid + (residents - per_grid * len(grid_names) if index == 1 else 0)
            grid = self.region(
                parent=community,
                level=RegionLevel.GRID,
                name=f"第{index}网格({grid_name})",
                code=f"{code}{index:02d}",
                grid_kind=GridKind.GENERAL,
            )
            self._fill_grid(community, grid, grid_name, target)
        return community

    def _fill_grid(self, community: Region, grid: Region, estate_name: str, residents: int) -> None:
        rng = self.rng
        households: list[list[tuple[str, str, dt.date]]] = []
        total = 0
        while total < residents:
            members = self._household_members()[: residents - total]
            households.append(members)
            total += len(members)
        dwellings_needed = math.ceil(len(households) / 0.92)
        # Micro-grids of 30–100 households: mostly 60–95 dwellings, so few are flagged.
        micro_grids: list[Region] = []
        remaining = dwellings_needed
        while remaining > 0:
            size = min(remaining, rng.randint(60, 95))
            micro_grids.append(
                self.region(
                    parent=grid,
                    level=RegionLevel.MICRO_GRID,
                    name=f"{grid.name.split('(')[0]}第{len(micro_grids) + 1}微网格",
                    code=f"{grid.code}{len(micro_grids) + 1:03d}",
                )
            )
            remaining -= size
        estate = Estate.objects.create(
            community=community, name=estate_name, address=f"{community.name}{estate_name}"
        )
        dwellings = self._dwellings(estate, micro_grids, dwellings_needed)
        self._people(dwellings, households)

    def _dwellings(self, estate: Estate, micro_grids: list[Region], count: int) -> list[tuple]:
        rng = self.rng
        layout: list[tuple[str, str, str]] = []  # (building, unit, room)
        building_no = 0
        while len(layout) < count:
            building_no += 1
            units, floors, per_floor = (
                rng.randint(1, 3),
                rng.choice((6, 11, 18, 26, 33)),
                rng.randint(2, 4),
            )
            for unit_no in range(1, units + 1):
                for floor in range(1, floors + 1):
                    for door in range(1, per_floor + 1):
                        layout.append((str(building_no), str(unit_no), f"{floor}{door:02d}"))
        layout = layout[:count]
        building_ids: dict[str, int] = {}
        unit_ids: dict[tuple[str, str], int] = {}
        for b, u, _r in layout:
            if b not in building_ids:
                building_ids[b] = Building.objects.create(estate=estate, number=b).pk
            if (b, u) not in unit_ids:
                unit_ids[(b, u)] = Unit.objects.create(building_id=building_ids[b], number=u).pk
        ids = _Ids(self.ids.block(Dwelling, count))
        per_micro = math.ceil(count / len(micro_grids))
        rows = []
        for position, (b, u, room) in enumerate(layout):
            micro = micro_grids[min(position // per_micro, len(micro_grids) - 1)]
            rows.append(
                (
                    ids.take(),
                    unit_ids[(b, u)],
                    room,
                    micro.pk,
                    micro.path,
                    format_address(estate.name, b, u, room),
                )
            )
        bulk.insert_rows(
            Dwelling, ["id", "unit_id", "room", "micro_grid_id", "region_path", "address"], rows
        )
        self.report.dwellings += len(rows)
        return rows

    # -- people ---------------------------------------------------------------------------------

    def _people(self, dwellings: list[tuple], households: list[list[tuple]]) -> None:
        occupied = sorted(self.rng.sample(dwellings, k=len(households)), key=lambda row: row[0])
        household_ids = _Ids(self.ids.block(Household, len(occupied)))
        household_rows, members = [], []
        now = connection.ops.adapt_datetimefield_value(self.now)
        for dwelling, household in zip(occupied, households, strict=True):
            hid = household_ids.take()
            household_rows.append((hid, dwelling[0], dwelling[3], dwelling[4], now))
            members.extend((hid, dwelling, m) for m in household)
        bulk.insert_rows(
            Household,
            ["id", "dwelling_id", "micro_grid_id", "region_path", "created_at"],
            household_rows,
        )
        self.report.households += len(household_rows)
        self._write_residents(members)

    def _household_members(self) -> list[tuple[str, str, dt.date]]:
        """(relation, sex, birth date) for one household."""
        rng = self.rng
        roll = rng.random()
        head_sex = "male" if rng.random() < 0.62 else "female"
        if roll < 0.14:  # one person; many of them elderly
            return [
                (
                    "head",
                    head_sex,
                    _birth(rng, 60, 92) if rng.random() < 0.5 else _birth(rng, 22, 59),
                )
            ]
        head_birth = _birth(rng, 26, 75)
        spouse_sex = "female" if head_sex == "male" else "male"
        members = [
            ("head", head_sex, head_birth),
            ("spouse", spouse_sex, head_birth + dt.timedelta(days=int(rng.random() * 3601) - 1800)),
        ]
        head_age = _age(head_birth)
        for _ in range(
            self.people.pick((0, 1, 1, 1, 2, 2, 3))
            if head_age < 60
            else self.people.pick((0, 0, 1))
        ):
            low = max(0, head_age - 40)
            high = max(low, min(head_age - 20, 35))
            members.append(("child", self.people.pick(("male", "female")), _birth(rng, low, high)))
        if head_age < 50 and rng.random() < 0.25:
            members.append(
                (
                    "parent",
                    self.people.pick(("male", "female")),
                    _birth(rng, head_age + 22, head_age + 35),
                )
            )
        if head_age >= 55 and rng.random() < 0.3:
            members.append(("grandchild", self.people.pick(("male", "female")), _birth(rng, 0, 12)))
        return members

    def _write_residents(self, members: list[tuple[int, tuple, tuple[str, str, dt.date]]]) -> None:
        phone_rows: list[tuple] = []
        tag_rows: list[tuple] = []
        # Ids are reserved before COPY starts: the connection cannot run queries during COPY.
        # A resident has at most one phone; tags get their ids once they are counted.
        ids = (
            _Ids(self.ids.block(Resident, len(members))),
            _Ids(self.ids.block(ResidentPhone, len(members))),
        )
        # Resident rows stream straight into COPY, so PostgreSQL indexes them on its own core
        # while this process generates the next ones; phones and tags follow.
        self.report.residents += bulk.insert_rows(
            Resident, RESIDENT_COLUMNS, self._resident_rows(members, ids, phone_rows, tag_rows)
        )
        bulk.insert_rows(ResidentPhone, PHONE_COLUMNS, phone_rows)
        tag_ids = self.ids.block(ResidentTag, len(tag_rows))
        bulk.insert_rows(
            ResidentTag,
            TAG_COLUMNS,
            ((tag_id, *row) for tag_id, row in zip(tag_ids, tag_rows, strict=True)),
        )
        self.report.phones += len(phone_rows)
        self.report.tags += len(tag_rows)

    def _resident_rows(
        self,
        members: list[tuple[int, tuple, tuple[str, str, dt.date]]],
        ids: tuple[_Ids, _Ids],
        phone_rows: list,
        tag_rows: list,
    ) -> Iterator[tuple]:
        rng, people = self.rng, self.people
        resident_ids, phone_ids = ids
        now = connection.ops.adapt_datetimefield_value(self.now)
        household_surname: dict[int, tuple[str, str, str]] = {}
        household_size = Counter(hid for hid, _d, _m in members)
        for hid, dwelling, (relation, sex, birth) in members:
            rid = resident_ids.take()
            surname = household_surname.get(hid)
            if surname is None:
                surname = household_surname[hid] = people.surname()
            if relation in ("spouse", "parent") or (relation == "head" and rng.random() < 0.1):
                surname = people.surname()
            name, pinyin, initials = people.name(sex, surname)
            floating = rng.random() < 0.15
            id_number = people.id_number(birth, sex, local=not floating or rng.random() < 0.3)
            moved_in = MOVE_IN_START + dt.timedelta(days=int(rng.random() * 1550))
            yield resident_values(
                pk=rid,
                household_id=hid,
                micro_grid_id=dwelling[3],
                region_path=dwelling[4],
                name=name,
                id_number=id_number,
                sex=sex,
                birth_date=birth,
                registered_address="外省市" if floating else "四川省成都市新都区",
                residence_type="floating" if floating else "permanent",
                relation_to_head=relation,
                moved_in_on=moved_in,
                now=now,
                pinyin=(pinyin, initials),
            )
            age = _age(birth)
            if age >= 14 and rng.random() < 0.9:
                phone = people.phone()
                phone_rows.append(
                    phone_values(pk=phone_ids.take(), resident_id=rid, label="own", number=phone)
                )
            for code in self._tags_for(age, sex, household_size[hid]):
                tag_rows.append((rid, self.tag_ids[code], "", None))

    def _tags_for(self, age: int, sex: str, household_size: int) -> list[str]:
        roll = self.rng.random
        tags = []
        if age >= 65 and household_size == 1:
            tags.append("living_alone_elderly")
        if age >= 80:
            tags.append("advanced_age")
        if roll() < 0.02:
            tags.append("disabled")
        if roll() < 0.015:
            tags.append("minimum_living")
        if roll() < 0.003:
            tags.append("extreme_poverty")
        if age < 16 and roll() < 0.01:
            tags.append("children_in_difficulty")
        if age >= 50 and roll() < 0.08:
            tags.append("chronic_illness")
        if sex == "male" and age >= 25 and roll() < 0.03:
            tags.append("veteran")
        return tags


def zhang_san_id_number() -> str:
    """张三's demo ID 5101…1234: 金堂县 code, sequence 123, a birth date giving check digit 4."""
    day = ZHANG_SAN_BIRTH_START
    while True:
        body = f"510121{day:%Y%m%d}123"
        if ric.calc_check_digit(body + "0") == "4":
            return body + "4"
        day += dt.timedelta(days=1)


def communities_needed(residents: int) -> int:
    return max(1, math.ceil(residents / DEMO_RESIDENTS))


@dataclass(frozen=True)
class CommunityPlan:
    index: int
    communities: int
    street_id: int
    name: str
    code: str
    residents: int
    grid_names: list[str]


def build_area(
    *,
    seed: int,
    residents: int,
    on_progress: Callable[[str], None] | None = None,
    workers: int | None = None,
) -> tuple[SeedReport, dict[str, Region]]:
    """新都区 / 新都街道 / 兴乐社区 and, for larger N, more communities and streets.

    Each community is written in its own transaction from its own random stream, so the result
    depends only on the seed. On PostgreSQL, outside a caller's transaction, communities are
    written by `workers` processes at once (default: one per core).
    """
    progress = on_progress or (lambda _msg: None)
    with transaction.atomic():
        tag_ids = _ensure_tags()
        district, streets, plans = _plan_area(seed, residents)
    report = SeedReport(regions=1 + len(streets))
    ids = IdBlocks(BULK_MODELS)
    community_ids = []
    with bulk.deferred_indexes(BULK_MODELS):
        for part, community_id in _write_communities(plans, seed, ids, tag_ids, workers):
            report.add(part)
            community_ids.append(community_id)
            progress(f"{part.communities[0]}: {report.residents} residents so far")
    bulk.reset_sequences([Region, Estate, Building, Unit, *BULK_MODELS])
    recount_regions()
    bulk.analyze([Region, Estate, Building, Unit, *BULK_MODELS])
    community = Region.objects.get(pk=community_ids[0])
    return report, {"district": district, "street": streets[0], "community": community}


def _ensure_tags() -> dict[str, int]:
    tag_ids = {}
    for code, name, purpose, sensitive in DEFAULT_TAGS:
        tag, _ = PopulationTag.objects.get_or_create(
            code=code, defaults={"name": name, "purpose": purpose, "sensitive": sensitive}
        )
        tag_ids[code] = tag.pk
    return tag_ids


def _plan_area(seed: int, residents: int) -> tuple[Region, list[Region], list[CommunityPlan]]:
    """The district and its streets; communities of about 17,000, ten to a street, the first
    one 兴乐社区."""
    rng = random.Random(f"{seed}:plan")
    district = region_create(parent=None, level=RegionLevel.DISTRICT, name="新都区", code="510114")
    total = communities_needed(residents)
    per_community = residents // total
    streets: list[Region] = []
    plans = []
    for index in range(total):
        street_no = index // COMMUNITIES_PER_STREET
        if street_no == len(streets):
            streets.append(
                region_create(
                    parent=district,
                    level=RegionLevel.STREET,
                    name="新都街道" if street_no == 0 else f"合成街道{street_no + 1}",
                    code=f"510114{street_no + 1:03d}",
                )
            )
        if index == 0:
            name, grids = "兴乐社区", DEMO_GRIDS
        else:
            name = f"合成社区{index + 1}"
            grids = [
                rng.choice(EXTRA_ESTATES) + f"{g}期" for g in range(1, GRIDS_PER_COMMUNITY + 1)
            ]
        plans.append(
            CommunityPlan(
                index=index,
                communities=total,
                street_id=streets[-1].pk,
                name=name,
                code=f"{streets[-1].code}{index % COMMUNITIES_PER_STREET + 1:03d}",
                residents=per_community + (residents - per_community * total if index == 0 else 0),
                grid_names=grids,
            )
        )
    return district, streets, plans


_worker_state: dict[str, object] = {}


def _init_worker(seed: int, ids: IdBlocks, tag_ids: dict[str, int]) -> None:
    _worker_state.update(seed=seed, ids=ids, tag_ids=tag_ids)


def _write_community(plan: CommunityPlan) -> tuple[SeedReport, int]:
    builder = AreaBuilder(
        rng=random.Random(f"{_worker_state['seed']}:{plan.index}"),
        partition=IdPartition.of(plan.index, plan.communities),
        ids=_worker_state["ids"],  # type: ignore[arg-type]
        tag_ids=_worker_state["tag_ids"],  # type: ignore[arg-type]
    )
    with transaction.atomic():
        community = builder.community(
            street=Region.objects.get(pk=plan.street_id),
            name=plan.name,
            code=plan.code,
            residents=plan.residents,
            grid_names=plan.grid_names,
        )
    return builder.report, community.pk


def _write_communities(
    plans: list[CommunityPlan],
    seed: int,
    ids: IdBlocks,
    tag_ids: dict[str, int],
    workers: int | None,
) -> Iterator[tuple[SeedReport, int]]:
    workers = min(workers or os.cpu_count() or 1, len(plans))
    parallel = workers > 1 and connection.vendor == "postgresql" and not connection.in_atomic_block
    if not parallel:
        _init_worker(seed, ids, tag_ids)
        yield from map(_write_community, plans)
        return
    # Forked workers must open their own connections, never share the parent's socket.
    connections.close_all()
    context = multiprocessing.get_context("fork")
    pool = context.Pool(workers, initializer=_init_worker, initargs=(seed, ids, tag_ids))
    try:
        yield from pool.imap(_write_community, plans)
        pool.close()
        pool.join()
    finally:
        pool.terminate()
