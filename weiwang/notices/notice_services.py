"""Notices: writing (sanitised rich text), the audience (region subtrees narrowed by tags and
roles, plus chosen households; a union without duplicates), review by the role the audience
size calls for, scheduled publishing, and the fan-out to the inbox and the channels."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import nh3
from django.contrib.auth import get_user_model
from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.accounts.models import Role, RoleAssignment
from weiwang.audit.services import audit_record
from weiwang.core.errors import ApplicationError
from weiwang.core.tasks import background_task, run_in_background
from weiwang.notices.models import (
    Channel,
    Delivery,
    GridGroup,
    Notice,
    NoticeAttachment,
    NoticeStatus,
    Notification,
    Priority,
    ReviewRule,
)
from weiwang.people.models import Resident, ResidentTag

ALLOWED_TAGS = {"p", "br", "strong", "em", "b", "i", "u", "ul", "ol", "li", "a", "h3", "h4"}


def clean_body(text: str) -> str:
    """Rich text from the editor with only harmless tags kept (no scripts, styles or events)."""
    return nh3.clean(text or "", tags=ALLOWED_TAGS, attributes={"a": {"href"}}, link_rel="noopener")


@transaction.atomic
def notice_save(
    *,
    actor,
    notice: Notice | None = None,
    title: str,
    body: str,
    regions: Sequence = (),
    tag_codes: Sequence[str] = (),
    roles: Sequence[str] = (),
    households: Sequence = (),
    priority: str = Priority.NORMAL,
    publish_at: dt.datetime | None = None,
    expires_at: dt.datetime | None = None,
    pinned: bool = False,
    send_sms: bool = False,
    send_groups: bool = True,
    link_url: str = "",
    link_label: str = "",
    attachments=(),
) -> Notice:
    """Create or edit a draft (regions and households came through the caller's access layer);
    attachments are checked before anything is written."""
    if notice is not None and notice.status not in (NoticeStatus.DRAFT, NoticeStatus.REJECTED):
        raise ApplicationError(_("已提交或已发布的通知不能再修改。"), code="locked")
    body = clean_body(body)
    files = clean_attachments(attachments)
    if not title.strip() or not body.strip():
        raise ApplicationError(_("请填写标题和正文。"), code="title")
    if not regions and not households:
        raise ApplicationError(_("请选择发给哪些网格或哪些户。"), code="audience")
    if priority not in Priority.values or any(r not in Role.values for r in roles):
        raise ApplicationError(_("紧急程度或角色不正确。"), code="invalid")
    if expires_at and expires_at <= (publish_at or timezone.now()):
        raise ApplicationError(_("过期时间应晚于发布时间。"), code="expires")
    if link_url and not link_url.startswith("/"):
        raise ApplicationError(_("相关链接只能是本平台内的页面。"), code="link")
    fields = {
        "title": title.strip()[:100],
        "body": body,
        "priority": priority,
        "tag_codes": sorted(set(tag_codes)),
        "roles": sorted(set(roles)),
        "publish_at": publish_at,
        "expires_at": expires_at,
        "pinned": pinned,
        "send_sms": send_sms,
        "send_groups": send_groups,
        "link_url": link_url[:300],
        "link_label": link_label.strip()[:60],
    }
    if notice is None:
        notice = Notice.objects.create(created_by=actor, **fields)
    else:
        for name, value in fields.items():
            setattr(notice, name, value)
        notice.status = NoticeStatus.DRAFT
        notice.save()
    notice.regions.set(regions)
    notice.households.set(households)
    for attachment in files:
        attachment.notice = notice
        attachment.save()
    return notice


def audience_residents(notice: Notice) -> QuerySet[Resident]:
    """Current residents reached: in the regions (with one of the tags, if any) or in the chosen
    households."""
    where = Q(pk__in=[])
    for region in notice.regions.all():
        where |= Q(region_path__startswith=region.path)
    if notice.tag_codes:
        tagged = ResidentTag.objects.filter(resident=OuterRef("pk"), tag__code__in=notice.tag_codes)
        where &= Q(Exists(tagged))
    where |= Q(household__in=notice.households.all())
    return Resident.objects.filter(where, status="current")


def audience_users(notice: Notice):
    """Accounts reached, without duplicates: residents' own accounts (as above) and people with
    a role in the regions (narrowed to the roles, if any)."""
    User = get_user_model()
    # Correlated EXISTS (a primary-key lookup per account) rather than IN: beside the OR below
    # PostgreSQL would otherwise rescan the residents for every account.
    residents = audience_residents(notice).filter(pk=OuterRef("resident_id"))
    via_resident = Q(Exists(residents))
    roles = RoleAssignment.objects.filter(user=OuterRef("pk"))
    in_regions = Q(pk__in=[])
    for region in notice.regions.all():
        in_regions |= Q(region__path__startswith=region.path)
    roles = roles.filter(in_regions)
    if notice.roles:
        roles = roles.filter(role__in=notice.roles)
        via_resident = Q(pk__in=[])  # a role filter means the people acting in those roles
    elif notice.tag_codes:
        roles = roles.none()  # a tag filter means residents carrying the tag
    return User.objects.filter(via_resident | Q(Exists(roles)), is_active=True)


# The rules the data migration writes, used while the table is empty.
DEFAULT_REVIEW_RULES = [(600, Role.GRID_WORKER), (20000, Role.COMMUNITY_WORKER)]


def reviewer_role(size: int) -> str:
    rules = list(
        ReviewRule.objects.order_by("max_audience").values_list("max_audience", "reviewer_role")
    )
    for limit, role in rules or DEFAULT_REVIEW_RULES:
        if size <= limit:
            return role
    return Role.REGION_ADMIN


def _emergency_active(notice: Notice) -> bool:
    from weiwang.emergency.services import active_overlapping

    return any(active_overlapping(r.path).exists() for r in notice.regions.all())


@transaction.atomic
def notice_submit(*, actor, notice: Notice) -> Notice:
    """Send a draft for review; an urgent notice while its area is in emergency mode is published
    at once, and the skip is audited."""
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status not in (NoticeStatus.DRAFT, NoticeStatus.REJECTED):
        raise ApplicationError(_("这条通知已经提交过了。"), code="submitted")
    notice.audience_size = audience_users(notice).count()
    if notice.priority == Priority.URGENT and _emergency_active(notice):
        notice.save(update_fields=["audience_size"])
        audit_record(
            actor=actor,
            action="notices.urgent_without_review",
            target_type="notice",
            target_id=notice.pk,
            detail={"audience": notice.audience_size},
        )
        return _publish(notice, actor=actor)
    notice.status = NoticeStatus.REVIEW
    notice.save(update_fields=["status", "audience_size"])
    return notice


def may_review(user, notice: Notice) -> bool:
    """The role the audience size calls for (or one above it), over every region of the notice,
    and never one's own notice."""
    if notice.created_by_id == user.pk:
        return False
    order = [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.REGION_ADMIN]
    needed = reviewer_role(notice.audience_size)
    able = order[order.index(needed) :] if needed in order else [needed]
    grants = RoleAssignment.objects.filter(user=user, role__in=able).select_related("region")
    paths = [g.region.path for g in grants]
    regions = list(notice.regions.all()) or [h.micro_grid for h in notice.households.all()]
    return bool(paths) and all(any(r.path.startswith(p) for p in paths) for r in regions)


@transaction.atomic
def notice_review(*, actor, notice: Notice, approve: bool, note: str = "") -> Notice:
    notice = Notice.objects.select_for_update().get(pk=notice.pk)
    if notice.status != NoticeStatus.REVIEW:
        raise ApplicationError(_("这条通知不在待审核状态。"), code="not_review")
    if not may_review(actor, notice):
        raise ApplicationError(
            _("这条通知发给 %(n)s 人,需要%(role)s审核,且不能审核自己写的通知。")
            % {"n": notice.audience_size, "role": Role(reviewer_role(notice.audience_size)).label},
            code="reviewer",
        )
    notice.reviewed_by, notice.review_note = actor, note.strip()[:200]
    if not approve:
        notice.status = NoticeStatus.REJECTED
        notice.save(update_fields=["status", "reviewed_by", "review_note"])
        return notice
    notice.save(update_fields=["reviewed_by", "review_note"])
    return _publish(notice, actor=actor)


def _publish(notice: Notice, *, actor, now: dt.datetime | None = None) -> Notice:
    now = now or timezone.now()
    if notice.publish_at and notice.publish_at > now:
        notice.status = NoticeStatus.SCHEDULED
        notice.save(update_fields=["status"])
        return notice
    notice.status, notice.published_at = NoticeStatus.PUBLISHED, now
    notice.save(update_fields=["status", "published_at"])
    transaction.on_commit(lambda: run_in_background(notice_fan_out, notice.pk))
    return notice


def notices_publish_due(now: dt.datetime | None = None) -> int:
    """Publish scheduled notices whose time has come (run every minute)."""
    now = now or timezone.now()
    due = list(Notice.objects.filter(status=NoticeStatus.SCHEDULED, publish_at__lte=now))
    for notice in due:
        with transaction.atomic():
            locked = Notice.objects.select_for_update().get(pk=notice.pk)
            if locked.status == NoticeStatus.SCHEDULED:
                _publish(locked, actor=None, now=now)
    # A fan-out whose worker died is run again (it is safe to repeat).
    stalled = Notice.objects.filter(
        status=NoticeStatus.PUBLISHED,
        fanned_out_at=None,
        published_at__lt=now - dt.timedelta(minutes=2),
    ).values_list("pk", flat=True)
    for pk in stalled:
        run_in_background(notice_fan_out, pk)
    return len(due)


@transaction.atomic
def notice_withdraw(*, actor, notice: Notice) -> Notice:
    notice.status = NoticeStatus.WITHDRAWN
    notice.save(update_fields=["status"])
    return notice


@background_task
def notice_fan_out(notice_id: int) -> None:
    """Write every recipient's inbox row and queue the group and SMS deliveries; safe to run
    twice (rows are unique per notice and person or target)."""
    notice = Notice.objects.get(pk=notice_id)
    if notice.status != NoticeStatus.PUBLISHED:
        return
    with transaction.atomic():
        inbox_insert(notice)
        _queue_deliveries(notice)
        Notice.objects.filter(pk=notice.pk).update(fanned_out_at=timezone.now())
    from weiwang.notices.sending import deliveries_send

    transaction.on_commit(lambda: run_in_background(deliveries_send))


def inbox_insert(notice: Notice) -> int:
    """One inbox row per recipient, inserted by the database in one statement."""
    url = reverse("notice_detail", args=[notice.pk])
    title = (_("【紧急】") if notice.priority == Priority.URGENT else "") + notice.title
    users = audience_users(notice).order_by().annotate(uid=F("pk")).values_list("uid")
    select, params = users.query.sql_with_params()
    table = connection.ops.quote_name(Notification._meta.db_table)
    with connection.cursor() as cursor:
        # Names come from model metadata; values are parameters.
        cursor.execute(
            f"INSERT INTO {table} (user_id, title, url, created_at, notice_id) "  # noqa: S608
            f"SELECT sub.uid, %s, %s, %s, %s FROM ({select}) sub "
            # "WHERE true" lets SQLite tell ON CONFLICT from a join's ON.
            "WHERE true ON CONFLICT DO NOTHING",
            [title[:200], url, timezone.now(), notice.pk, *params],
        )
        return cursor.rowcount


def _queue_deliveries(notice: Notice) -> None:
    now = timezone.now()
    rows = []
    if notice.send_groups:
        paths = Q(pk__in=[])
        for region in notice.regions.all():
            paths |= Q(region_path__startswith=region.path)
        groups = GridGroup.objects.filter(paths).exclude(webhook_key_encrypted="")
        rows += [
            Delivery(
                notice=notice,
                channel=Channel.WECOM,
                group=g,
                idempotency_key=f"n{notice.pk}:wecom:{g.pk}",
                next_attempt_at=now,
            )
            for g in groups
        ]
    if notice.send_sms:
        rows += [
            Delivery(
                notice=notice,
                channel=Channel.SMS,
                resident_id=pk,
                idempotency_key=f"n{notice.pk}:sms:{pk}",
                next_attempt_at=now,
            )
            for pk in audience_residents(notice)
            .filter(phones__isnull=False)
            .distinct()
            .values_list("pk", flat=True)
        ]
    Delivery.objects.bulk_create(rows, batch_size=2000, ignore_conflicts=True)


@transaction.atomic
def grid_group_save(
    *,
    actor,
    group: GridGroup | None,
    region,
    name: str,
    platform: str,
    member_count: int,
    webhook_key: str = "",
    clear_webhook: bool = False,
    household_ids=(),
) -> GridGroup:
    """Register or edit a grid group (the region came through the caller's access layer): the
    robot key is stored encrypted; households outside the region are ignored."""
    from weiwang.core import crypto
    from weiwang.people.models import Household

    if region.level not in ("grid", "micro_grid"):
        raise ApplicationError(_("网格群应属于一个网格或微网格。"), code="region")
    if not name.strip():
        raise ApplicationError(_("请填写群名称。"), code="name")
    group = group or GridGroup()
    group.name, group.region, group.region_path = name.strip()[:60], region, region.path
    group.platform = platform if platform in GridGroup.Platform.values else "wechat"
    group.member_count = max(0, member_count)
    if webhook_key.strip():
        group.webhook_key_encrypted = crypto.encrypt(webhook_key.strip())
    if clear_webhook:
        group.webhook_key_encrypted = ""
    group.save()
    group.households.set(
        Household.objects.filter(region_path__startswith=region.path, pk__in=list(household_ids))
    )
    return group


MAX_FILE = 10 * 1024 * 1024
FILE_TYPES = (".pdf", ".docx", ".xlsx", ".doc", ".xls", ".txt")


def clean_attachments(uploads) -> list[NoticeAttachment]:
    """Check every upload before anything is written: images re-encoded (no EXIF), documents of
    the allowed kinds up to 10 MB; the rows are saved with the notice."""
    from weiwang.cases.photos import clean_photo

    cleaned = []
    for upload in uploads:
        if upload.content_type.startswith("image/"):
            cleaned.append(
                NoticeAttachment(file=clean_photo(upload), name=upload.name[:200], is_image=True)
            )
        elif upload.name.lower().endswith(FILE_TYPES) and upload.size <= MAX_FILE:
            cleaned.append(NoticeAttachment(file=upload, name=upload.name[:200]))
        else:
            raise ApplicationError(
                _("“%(name)s”不能作为附件:只收图片、PDF、Word、Excel,最大 10 MB。")
                % {"name": upload.name},
                code="attachment",
            )
    return cleaned
