"""The demo personas of 兴乐社区: 张三 and the demo logins. Never created in production."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from weiwang.accounts.models import Role, User
from weiwang.accounts.services import role_assign
from weiwang.core import crypto
from weiwang.core.identity import mask_id_number, parse_id_number
from weiwang.people.models import Household, Resident
from weiwang.people.pinyin import name_pinyin
from weiwang.people.seeding import zhang_san_id_number
from weiwang.regions.models import Region, RegionLevel

DEMO_PASSWORD = "weiwang-demo"  # noqa: S105 - the documented demo password, refused in production


@dataclass(frozen=True)
class DemoLogin:
    username: str
    display_name: str
    role: str
    region: Region


def _grids(community: Region) -> list[Region]:
    return list(community.children.filter(level=RegionLevel.GRID).order_by("code"))


@transaction.atomic
def place_zhang_san(community: Region) -> Resident:
    """Make the head of a two-person household in grid 1's first micro-grid 张三 (ID 5101…1234)."""
    first_micro = _grids(community)[0].children.order_by("code").first()
    # A husband and wife, so that renaming the head keeps every ID number true to its holder.
    household = (
        Household.objects.filter(
            micro_grid=first_micro,
            members__relation_to_head="spouse",
            members__sex="female",
        )
        .filter(members__relation_to_head="head", members__sex="male")
        .order_by("id")
        .first()
    )
    head = household.members.get(relation_to_head="head")
    facts = parse_id_number(zhang_san_id_number())
    head.name = "张三"
    head.name_pinyin, head.name_initials = name_pinyin(head.name)
    head.id_number_encrypted = crypto.encrypt(facts.number)
    head.id_number_index = crypto.blind_index(facts.number)
    head.id_number_masked = mask_id_number(facts.number)
    head.sex, head.birth_date = facts.sex, facts.birth_date
    head.save()
    return head


def demo_logins(area: dict[str, Region]) -> list[DemoLogin]:
    grids = _grids(area["community"])
    logins = [
        DemoLogin("district_admin", "区管理员", Role.REGION_ADMIN, area["district"]),
        DemoLogin("street_admin", "街道管理员", Role.REGION_ADMIN, area["street"]),
        DemoLogin("community_staff", "社区工作者", Role.COMMUNITY_WORKER, area["community"]),
    ]
    logins += [
        DemoLogin(f"grid{i}", f"第{i}网格网格员", Role.GRID_WORKER, grid)
        for i, grid in enumerate(grids, start=1)
    ]
    logins.append(
        DemoLogin(
            "micro1", "小陈", Role.MICRO_GRID_WORKER, grids[0].children.order_by("code").first()
        )
    )
    return logins


@transaction.atomic
def create_demo_users(area: dict[str, Region], zhang_san: Resident) -> list[DemoLogin]:
    if settings.PRODUCTION:
        raise ImproperlyConfigured("Demo logins are never created in production.")
    logins = demo_logins(area)
    spouse = zhang_san.household.members.get(relation_to_head="spouse")
    for login in logins:
        user = _demo_user(login.username, login.display_name)
        role_assign(user=user, role=login.role, region=login.region)
    resident_user = _demo_user("resident1", spouse.name)
    resident_user.resident = spouse
    resident_user.save(update_fields=["resident"])
    role_assign(user=resident_user, role=Role.RESIDENT, region=spouse.micro_grid)
    return [*logins, DemoLogin("resident1", spouse.name, Role.RESIDENT, spouse.micro_grid)]


def _demo_user(username: str, display_name: str) -> User:
    user = User.objects.filter(username=username).first() or User(username=username)
    user.display_name = display_name
    user.set_password(DEMO_PASSWORD)
    user.save()
    return user


def resident_accounts(community: Region, *, count: int, prefix: str, seed: int) -> list[User]:
    """Accounts for `count` adult residents of the community (no password: not logins), as
    residents who volunteer or join groups would have; each with the resident role."""
    import random

    from weiwang.accounts.models import RoleAssignment

    rng = random.Random(seed)  # noqa: S311 - deterministic demo data, not security
    adults = list(
        Resident.objects.filter(
            region_path__startswith=community.path,
            status="current",
            birth_date__isnull=False,
            user__isnull=True,
        )
        .order_by("pk")
        .values_list("pk", "name", "micro_grid_id")
    )
    chosen = rng.sample(adults, min(count, len(adults)))
    users = [
        User(username=f"{prefix}{n:04d}", display_name=name, resident_id=pk)
        for n, (pk, name, _micro) in enumerate(chosen, start=1)
    ]
    for user in users:
        user.set_unusable_password()  # cheap: no hashing
    users = User.objects.bulk_create(users)
    RoleAssignment.objects.bulk_create(
        RoleAssignment(user=user, role=Role.RESIDENT, region_id=micro)
        for user, (_pk, _name, micro) in zip(users, chosen, strict=True)
    )
    return users
