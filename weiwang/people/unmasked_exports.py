"""Unmasked exports need two people (DESIGN.md §5): one asks with a reason, a second authorised
person approves, the first downloads once. Every step is audited; the moves are a table."""

from __future__ import annotations

import datetime as dt
from typing import BinaryIO

from django.db import transaction
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.access import Action, ScopeKind, can, grants_for
from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.people.exports import write_residents_xlsx
from weiwang.people.models import ExportRequest, ExportStatus
from weiwang.people.selectors import filtered_residents
from weiwang.regions.models import Region

APPROVAL_VALID_FOR = dt.timedelta(hours=24)

# (from, to) → who may make the move.
TRANSITIONS: dict[tuple[str, str], str] = {
    (ExportStatus.PENDING, ExportStatus.APPROVED): "approver",
    (ExportStatus.PENDING, ExportStatus.REJECTED): "approver",
    (ExportStatus.APPROVED, ExportStatus.DOWNLOADED): "requester",
}


def _reveal_paths(user) -> list[str]:
    if not can(user, Action.REVEAL_SENSITIVE):
        return []
    return [g.region_path for g in grants_for(user) if g.kind is ScopeKind.SUBTREE]


def covers(approver, export: ExportRequest) -> bool:
    """The approver may see everything the export would contain."""
    wanted = [export.region.path] if export.region else _reveal_paths(export.requested_by)
    mine = _reveal_paths(approver)
    return bool(wanted) and all(any(w.startswith(m) for m in mine) for w in wanted)


def export_requests_for_user(user) -> list[ExportRequest]:
    """The user's own requests, and others' pending ones the user may decide on."""
    if not can(user, Action.REVEAL_SENSITIVE):
        return []
    rows = (
        ExportRequest.objects.filter(
            Q(requested_by=user) | (Q(status=ExportStatus.PENDING) & ~Q(requested_by=user))
        )
        .select_related("requested_by", "decided_by", "region")
        .order_by("-id")[:200]
    )
    return [r for r in rows if r.requested_by_id == user.pk or covers(user, r)]


def get_export_request_for_user(user, pk: object) -> ExportRequest:
    try:
        wanted = int(str(pk))
    except ValueError:
        raise Http404 from None
    for export in export_requests_for_user(user):
        if export.pk == wanted:
            return export
    # Decided requests of others drop out of the list above; fetch them only for the decider.
    export = ExportRequest.objects.filter(pk=wanted, decided_by=user).first()
    if export is None:
        raise Http404
    return export


def _move(export: ExportRequest, *, actor, to: str) -> None:
    role = TRANSITIONS.get((export.status, to))
    if role is None:
        raise ApplicationError(
            _("该申请当前状态为“%(status)s”,不能进行此操作。")
            % {"status": export.get_status_display()},
            code="export_state",
        )
    is_requester = actor.pk == export.requested_by_id
    if role == "requester" and not is_requester:
        raise ApplicationError(_("只有申请人本人可以下载。"), code="export_not_requester")
    if role == "approver" and (is_requester or not covers(actor, export)):
        raise ApplicationError(
            _("审批人须是申请人以外、有权查看这些居民完整信息的工作人员。"),
            code="export_not_approver",
        )
    export.status = to
    audit_record(
        actor=actor,
        action=f"export.{to}",
        target_type="export_request",
        target_id=export.pk,
        reason=export.reason,
    )


@transaction.atomic
def export_request_create(
    *, actor, reason: str, query: str = "", tag: str = "", region: Region | None = None
) -> ExportRequest:
    """Ask for an unmasked export of a search; `region` was fetched through the access layer."""
    if not can(actor, Action.REVEAL_SENSITIVE):
        raise ApplicationError(_("您没有查看完整证件号和电话的权限。"), code="forbidden")
    reason = reason.strip()
    if len(reason) < 4:
        raise ApplicationError(
            _("请写明导出完整信息的用途(例如:向民政局报送高龄津贴名单)。"), code="reason_required"
        )
    export = ExportRequest.objects.create(
        requested_by=actor, reason=reason, query=query, tag=tag, region=region
    )
    audit_record(
        actor=actor,
        action="export.requested",
        target_type="export_request",
        target_id=export.pk,
        reason=reason,
    )
    return export


@transaction.atomic
def export_request_decide(*, actor, export: ExportRequest, approve: bool) -> ExportRequest:
    export = ExportRequest.objects.select_for_update().get(pk=export.pk)
    _move(export, actor=actor, to=ExportStatus.APPROVED if approve else ExportStatus.REJECTED)
    export.decided_by, export.decided_at = actor, timezone.now()
    export.save(update_fields=["status", "decided_by", "decided_at"])
    return export


@transaction.atomic
def export_request_download(*, actor, export: ExportRequest, out: BinaryIO) -> int:
    """Write the unmasked sheet once, from the requester's current scope."""
    # Lock only the request row: PostgreSQL cannot lock the nullable side of an outer join.
    export = (
        ExportRequest.objects.select_for_update(of=("self",))
        .select_related("decided_by", "region")
        .get(pk=export.pk)
    )
    if export.status == ExportStatus.APPROVED and (
        timezone.now() - export.decided_at > APPROVAL_VALID_FOR
    ):
        raise ApplicationError(_("批准已超过 24 小时失效,请重新申请。"), code="export_expired")
    _move(export, actor=actor, to=ExportStatus.DOWNLOADED)
    residents = filtered_residents(actor, query=export.query, tag=export.tag, within=export.region)
    count = write_residents_xlsx(
        out,
        residents,
        masked=False,
        exported_by=actor.username,
        exported_at=timezone.now(),
        note=_("审批人:%(who)s  申请原因:%(why)s")
        % {"who": export.decided_by.username, "why": export.reason},
    )
    export.downloaded_at = timezone.now()
    export.save(update_fields=["status", "downloaded_at"])
    return count
