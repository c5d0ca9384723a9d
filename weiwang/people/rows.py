"""Raw rows of residents and their phones for bulk loads (seeding, imports, benchmarks).

Values come in the database column order of `RESIDENT_COLUMNS` and `PHONE_COLUMNS`, derived,
encrypted and indexed exactly as `resident_build` and `phone_row` do for a single resident.
"""

from __future__ import annotations

import datetime as dt

from weiwang.core import crypto
from weiwang.core.identity import mask_id_number, mask_phone
from weiwang.people.pinyin import name_pinyin

RESIDENT_COLUMNS = [
    "id",
    "household_id",
    "micro_grid_id",
    "region_path",
    "name",
    "name_pinyin",
    "name_initials",
    "id_number_encrypted",
    "id_number_index",
    "id_number_masked",
    "sex",
    "birth_date",
    "registered_address",
    "residence_type",
    "relation_to_head",
    "moved_in_on",
    "created_at",
    "updated_at",
]
PHONE_COLUMNS = [
    "id",
    "resident_id",
    "label",
    "number_encrypted",
    "number_index",
    "number_masked",
    "last4",
]
TAG_COLUMNS = ["id", "resident_id", "tag_id", "note", "since"]


def resident_values(
    *,
    pk: int,
    household_id: int,
    micro_grid_id: int,
    region_path: str,
    name: str,
    id_number: str,
    sex: str,
    birth_date: dt.date,
    registered_address: str,
    residence_type: str,
    relation_to_head: str,
    moved_in_on: dt.date | None,
    now: str,
    pinyin: tuple[str, str] | None = None,
    id_index: str | None = None,
) -> tuple:
    """`pinyin` and `id_index` may be passed when the caller has them already."""
    spelled, initials = pinyin or name_pinyin(name)
    return (
        pk,
        household_id,
        micro_grid_id,
        region_path,
        name,
        spelled,
        initials,
        crypto.encrypt(id_number),
        id_index or crypto.blind_index(id_number),
        mask_id_number(id_number),
        sex,
        birth_date.isoformat(),
        registered_address,
        residence_type,
        relation_to_head,
        moved_in_on.isoformat() if moved_in_on else None,
        now,
        now,
    )


def phone_values(*, pk: int, resident_id: int, label: str, number: str) -> tuple:
    """`number` must already be normalised (`normalise_phone`)."""
    return (
        pk,
        resident_id,
        label,
        crypto.encrypt(number),
        crypto.blind_index(number),
        mask_phone(number),
        number[-4:],
    )
