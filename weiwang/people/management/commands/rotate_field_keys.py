from __future__ import annotations

from django.core.management.base import BaseCommand
from django.db import transaction

from weiwang.core import crypto
from weiwang.people.models import Resident, ResidentPhone

BATCH = 2000


class Command(BaseCommand):
    help = "Re-encrypt sensitive fields under an older key with the first WEIWANG_FIELD_KEYS key."

    def handle(self, *args, **options) -> None:
        current = crypto.current_key_id()
        total = self._rotate(Resident, "id_number_encrypted", current)
        total += self._rotate(ResidentPhone, "number_encrypted", current)
        self.stdout.write(f"Re-encrypted {total} values under key {current!r}.")

    def _rotate(self, model, field: str, current: str) -> int:
        prefix = f"{current}$"
        stale = model.objects.exclude(**{f"{field}__startswith": prefix}).exclude(**{field: ""})
        count = 0
        while True:
            rows = list(stale.only("pk", field).order_by("pk")[:BATCH])
            if not rows:
                return count
            for row in rows:
                setattr(row, field, crypto.encrypt(crypto.decrypt(getattr(row, field))))
            with transaction.atomic():
                model.objects.bulk_update(rows, [field])
            count += len(rows)
