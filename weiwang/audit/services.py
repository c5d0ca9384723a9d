from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from weiwang.audit.models import AuditChainHead, AuditEntry

GENESIS = "0" * 64


def entry_digest(
    *,
    prev_hash: str,
    at: str,
    actor_id: int | None,
    actor_name: str,
    action: str,
    target_type: str,
    target_id: str,
    reason: str,
    detail: dict[str, Any],
) -> str:
    payload = json.dumps(
        [prev_hash, at, actor_id, actor_name, action, target_type, target_id, reason, detail],
        ensure_ascii=False,
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(payload.encode()).hexdigest()


def digest_of(entry: AuditEntry) -> str:
    return entry_digest(
        prev_hash=entry.prev_hash,
        at=entry.at.isoformat(),
        actor_id=entry.actor_id,
        actor_name=entry.actor_name,
        action=entry.action,
        target_type=entry.target_type,
        target_id=entry.target_id,
        reason=entry.reason,
        detail=entry.detail,
    )


@transaction.atomic
def audit_record(
    *,
    actor,
    action: str,
    target_type: str,
    target_id: object,
    reason: str = "",
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry, chained to the previous one. Never pass sensitive values in detail."""
    head, _created = AuditChainHead.objects.select_for_update().get_or_create(
        pk=1, defaults={"last_hash": GENESIS}
    )
    entry = AuditEntry(
        at=timezone.now().replace(microsecond=0),
        actor=actor if actor is not None and actor.pk else None,
        actor_name=getattr(actor, "username", "") or "system",
        action=action,
        target_type=target_type,
        target_id=str(target_id),
        reason=reason,
        detail=detail or {},
        prev_hash=head.last_hash,
    )
    entry.hash = digest_of(entry)
    entry.save()
    head.last_hash = entry.hash
    head.save(update_fields=["last_hash"])
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    bad_entry_id: int | None = None
    problem: str = ""

    @property
    def intact(self) -> bool:
        return not self.problem


def verify_chain() -> ChainReport:
    """Recompute every entry in order; report the first one that does not fit the chain."""
    expected_prev = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.prev_hash != expected_prev:
            return ChainReport(checked, entry.id, "previous hash does not match (entry removed?)")
        if digest_of(entry) != entry.hash:
            return ChainReport(checked, entry.id, "content does not match its hash (altered)")
        expected_prev = entry.hash
        checked += 1
    head = AuditChainHead.objects.filter(pk=1).first()
    if head is not None and head.last_hash != expected_prev:
        return ChainReport(checked, None, "the newest entries are missing (chain head differs)")
    return ChainReport(checked)
