"""Shared test world: a small region tree, residents in and out of every persona's scope, and
the personas of STYLE.md §15 (district admin, community worker, two grid workers, a micro-grid
worker, a building head, a Party member, a resident)."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from django.test import Client

from weiwang.accounts.models import Role, User
from weiwang.accounts.services import api_token_issue, role_assign
from weiwang.core import crypto
from weiwang.people.models import PopulationTag, Relation, Resident, ResidentTag
from weiwang.people.services import household_create, resident_create
from weiwang.regions.models import Region, RegionLevel
from weiwang.regions.services import (
    building_get_or_create,
    dwelling_create,
    estate_get_or_create,
    recount_regions,
    region_create,
    unit_get_or_create,
)

# Valid GB 11643 numbers (checksums computed with python-stdnum).
ZHANG_SAN_ID = "510121196503031234"
LI_XIUYING_ID = "510121196708150026"


@pytest.fixture(autouse=True)
def _fast_hasher_and_clean_keys(settings, tmp_path):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.TASKS_EAGER = True
    settings.IMPORT_DIR = tmp_path / "imports"
    settings.MEDIA_ROOT = tmp_path / "media"
    crypto.reset_keys()
    from django.core.cache import cache

    cache.clear()  # rate-limit counters and import progress from other tests
    yield
    crypto.reset_keys()


def valid_id(birth: str, seq: int, area: str = "510121") -> str:
    from stdnum.cn import ric

    body = f"{area}{birth}{seq:03d}"
    return body + ric.calc_check_digit(body + "0")


@dataclass
class World:
    regions: dict[str, Region] = field(default_factory=dict)
    residents: dict[str, Resident] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    buildings: dict[str, object] = field(default_factory=dict)
    tags: dict[str, PopulationTag] = field(default_factory=dict)

    def client(self, persona: str) -> Client:
        client = Client()
        client.force_login(self.users[persona])
        return client

    def api(self, persona: str) -> Client:
        token = api_token_issue(user=self.users[persona])
        return Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def _chain(world: World) -> None:
    r = world.regions

    def add(key: str, parent: str | None, level: str, name: str) -> None:
        r[key] = region_create(
            parent=r[parent] if parent else None, level=level, name=name, code=f"T-{key}"
        )

    add("D", None, RegionLevel.DISTRICT, "新都区")
    add("S", "D", RegionLevel.STREET, "新都街道")
    add("C", "S", RegionLevel.COMMUNITY, "兴乐社区")
    add("G1", "C", RegionLevel.GRID, "第1网格(红星小区)")
    add("M1", "G1", RegionLevel.MICRO_GRID, "第1微网格")
    add("M1b", "G1", RegionLevel.MICRO_GRID, "第2微网格")
    add("G2", "C", RegionLevel.GRID, "第2网格(汉嘉国际社区)")
    add("M2", "G2", RegionLevel.MICRO_GRID, "汉嘉第1微网格")
    add("C2", "S", RegionLevel.COMMUNITY, "邻近社区")
    add("G3", "C2", RegionLevel.GRID, "邻近网格")
    add("M3", "G3", RegionLevel.MICRO_GRID, "邻近微网格")
    add("S2", "D", RegionLevel.STREET, "大丰街道")
    add("C3", "S2", RegionLevel.COMMUNITY, "大丰社区")
    add("G4", "C3", RegionLevel.GRID, "大丰网格")
    add("M4", "G4", RegionLevel.MICRO_GRID, "大丰微网格")
    add("D2", None, RegionLevel.DISTRICT, "金堂县")
    add("S3", "D2", RegionLevel.STREET, "赵镇街道")
    add("C4", "S3", RegionLevel.COMMUNITY, "赵镇社区")
    add("G5", "C4", RegionLevel.GRID, "赵镇网格")
    add("M5", "G5", RegionLevel.MICRO_GRID, "赵镇微网格")


def _home(world: World, micro: str, estate_name: str, building_no: str, room: str):
    micro_grid = world.regions[micro]
    community = Region.objects.get(pk=micro_grid.ancestor_ids[2])
    estate = estate_get_or_create(community=community, name=estate_name)
    building = building_get_or_create(estate=estate, number=building_no)
    world.buildings[f"{estate_name}{building_no}"] = building
    unit = unit_get_or_create(building=building, number="1")
    dwelling = dwelling_create(unit=unit, room=room, micro_grid=micro_grid)
    return household_create(dwelling=dwelling)


def build_world() -> World:
    world = World()
    _chain(world)
    for code, name, sensitive in [
        ("advanced_age", "高龄老人", False),
        ("chronic_illness", "重病慢病", True),
    ]:
        world.tags[code] = PopulationTag.objects.create(
            code=code, name=name, purpose="测试", sensitive=sensitive
        )
    people = [
        # key, micro-grid, estate, building, room, name, id, relation, phone
        (
            "zhangsan",
            "M1",
            "红星小区",
            "3",
            "501",
            "张三",
            ZHANG_SAN_ID,
            Relation.HEAD,
            "13800005678",
        ),
        (
            "lixiuying",
            "M1",
            None,
            None,
            None,
            "李秀英",
            LI_XIUYING_ID,
            Relation.SPOUSE,
            "13912340001",
        ),
        (
            "zhaoliu",
            "M1b",
            "红星小区",
            "4",
            "101",
            "赵六",
            valid_id("19800101", 11),
            Relation.HEAD,
            "13700001111",
        ),
        (
            "wangwu",
            "M2",
            "汉嘉国际社区",
            "1",
            "1201",
            "王五",
            valid_id("19900202", 21),
            Relation.HEAD,
            "13600002222",
        ),
        (
            "sunqi",
            "M3",
            "邻近小区",
            "1",
            "101",
            "孙七",
            valid_id("19700303", 31),
            Relation.HEAD,
            "13500003333",
        ),
        (
            "zhouba",
            "M4",
            "大丰小区",
            "1",
            "101",
            "周八",
            valid_id("19600404", 41),
            Relation.HEAD,
            "13300004444",
        ),
        (
            "wujiu",
            "M5",
            "赵镇小区",
            "1",
            "101",
            "吴九",
            valid_id("19500505", 51),
            Relation.HEAD,
            "13200005555",
        ),
    ]
    household = None
    for key, micro, estate, building, room, name, id_number, relation, phone in people:
        if estate is not None:
            household = _home(world, micro, estate, building, room)
        world.residents[key] = resident_create(
            actor=None,
            household=household,
            name=name,
            id_number=id_number,
            phones=[phone],
            relation_to_head=relation,
        )
    ResidentTag.objects.create(resident=world.residents["zhangsan"], tag=world.tags["advanced_age"])
    ResidentTag.objects.create(
        resident=world.residents["zhangsan"], tag=world.tags["chronic_illness"]
    )
    _personas(world)
    recount_regions()
    for region in world.regions.values():
        region.refresh_from_db()
    return world


def _personas(world: World) -> None:
    r = world.regions

    def user(name: str, role: str, region: str, **extra) -> User:
        u = User.objects.create_user(username=name, password="pw-" + name, display_name=name)
        role_assign(user=u, role=role, region=r[region], building=extra.get("building"))
        world.users[name] = u
        return u

    user("district_admin", Role.REGION_ADMIN, "D")
    user("street_admin", Role.REGION_ADMIN, "S")
    user("community_worker", Role.COMMUNITY_WORKER, "C")
    user("grid_worker", Role.GRID_WORKER, "G1")
    user("grid_worker2", Role.GRID_WORKER, "G2")
    user("micro_grid_worker", Role.MICRO_GRID_WORKER, "M1")
    user("building_head", Role.BUILDING_HEAD, "M1", building=world.buildings["红星小区3"])
    party = user("party_member", Role.PARTY_MEMBER, "M1b")
    party.resident = world.residents["zhaoliu"]
    party.save()
    resident = user("resident", Role.RESIDENT, "M1")
    resident.resident = world.residents["lixiuying"]
    resident.save()
    world.users["nobody"] = User.objects.create_user(username="nobody", password="pw-nobody")


@pytest.fixture
def world(db) -> World:
    return build_world()
