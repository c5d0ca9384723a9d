"""Notice pages: the list (pinned first, expired hidden), writing a notice with its audience
and attachments, submitting, reviewing, reading (a read receipt), and the delivery figures."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import FileResponse, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.html import escape
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, get_or_404, require, scope_q
from weiwang.accounts.models import Role
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.notices import notice_services as services
from weiwang.notices.models import (
    Channel,
    DeliveryStatus,
    Notice,
    NoticeStatus,
    Notification,
    Priority,
)
from weiwang.notices.selectors import notices_for_user
from weiwang.people.models import PopulationTag
from weiwang.regions.selectors import regions_for_user

PAGE_SIZE = 20


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    now = timezone.now()
    received = (
        Notice.objects.filter(inbox__user=request.user, status=NoticeStatus.PUBLISHED)
        .exclude(expires_at__lt=now)
        .order_by("-pinned", "-priority", "-published_at")
    )
    unread = set(
        Notification.objects.filter(
            user=request.user, read_at=None, notice__isnull=False
        ).values_list("notice_id", flat=True)
    )
    context = {
        "page": Paginator(received, PAGE_SIZE).get_page(request.GET.get("page")),
        "unread": unread,
        "can_publish": can(request.user, Action.PUBLISH_NOTICES),
        "can_rules": can(request.user, Action.MANAGE_REVIEW_RULES),
    }
    if context["can_publish"]:
        context["mine"] = Notice.objects.filter(created_by=request.user).exclude(
            status=NoticeStatus.PUBLISHED
        )[:20]
        context["to_review"] = [
            n
            for n in notices_for_user(request.user).filter(status=NoticeStatus.REVIEW)[:50]
            if services.may_review(request.user, n)
        ]
    return render(request, "notices/list.html", context)


def _as_html(text: str) -> str:
    """Plain text typed on a phone becomes paragraphs; rich text is kept (then sanitised)."""
    if "<" in text:
        return text
    paragraphs = [p.strip() for p in text.replace("\r", "").split("\n\n") if p.strip()]
    return "".join(f"<p>{escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)


def _households_by_address(user, text: str) -> list:
    """Chosen households, one address per line (as on the dwelling pages), within the user's
    scope; an address not found is refused by name."""
    from weiwang.people.models import Household

    addresses = [line.strip() for line in text.splitlines() if line.strip()]
    where = scope_q(user, Action.PUBLISH_NOTICES, path="region_path", building="", household="")
    found = {
        h.dwelling.address: h
        for h in Household.objects.filter(where, dwelling__address__in=addresses).select_related(
            "dwelling"
        )
    }
    missing = [a for a in addresses if a not in found]
    if missing:
        raise ApplicationError(
            _("没有找到这些地址的住户:%(list)s。请按房屋页面上的地址填写,每行一个。")
            % {"list": "、".join(missing[:5])}
        )
    return list(found.values())


@login_required
def notice_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.PUBLISH_NOTICES)
    notice = None
    if pk is not None:
        notice = get_or_404(Notice.objects.filter(created_by=request.user), pk)
    regions = (
        regions_for_user(request.user)
        .filter(level__in=["street", "community", "grid", "micro_grid"])
        .filter(
            scope_q(request.user, Action.PUBLISH_NOTICES, path="path", building="", household="")
        )
    )
    post = request.POST
    error = ""
    if request.method == "POST":
        try:
            households = _households_by_address(request.user, post.get("addresses", ""))
            saved = services.notice_save(
                actor=request.user,
                notice=notice,
                title=post.get("title", ""),
                body=_as_html(post.get("body", "")),
                regions=list(regions.filter(pk__in=post.getlist("regions"))),
                households=households,
                tag_codes=post.getlist("tags"),
                roles=post.getlist("roles"),
                priority=post.get("priority", Priority.NORMAL),
                publish_at=form_datetime(post.get("publish_at")),
                expires_at=form_datetime(post.get("expires_at")),
                pinned=bool(post.get("pinned")),
                send_sms=bool(post.get("send_sms")),
                send_groups=bool(post.get("send_groups")),
                link_url=post.get("link_url", ""),
                link_label=post.get("link_label", ""),
                attachments=request.FILES.getlist("files"),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("已保存草稿。检查无误后提交审核。"))
            return redirect("notice_detail", pk=saved.pk)
    chosen = (
        post.getlist("regions")
        if post
        else [str(r.pk) for r in (notice.regions.all() if notice else [])]
    )
    addresses = post.get("addresses", "") if post else ""
    if not post and notice is not None:
        addresses = "\n".join(
            h.dwelling.address for h in notice.households.select_related("dwelling")
        )
    context = {
        "notice": notice,
        "addresses": addresses,
        "regions": regions.order_by("path")[:300],
        "chosen": chosen,
        "tags": PopulationTag.objects.filter(active=True, sensitive=False).order_by("name"),
        "roles": Role.choices,
        "priorities": Priority.choices,
        "post": post,
        "initial": request.GET,
        "error": error,
    }
    return render(request, "notices/edit.html", context, status=400 if error else 200)


@login_required
def notice_detail(request: HttpRequest, pk: int) -> HttpResponse:
    notice = get_or_404(notices_for_user(request.user), pk)
    Notification.objects.filter(notice=notice, user=request.user, read_at=None).update(
        read_at=timezone.now()
    )
    staff = notice.created_by_id == request.user.pk or can(request.user, Action.PUBLISH_NOTICES)
    context = {
        "notice": notice,
        "attachments": notice.attachments.all(),
        "staff": staff,
        "may_review": notice.status == NoticeStatus.REVIEW
        and services.may_review(request.user, notice),
        "is_author": notice.created_by_id == request.user.pk,
    }
    if staff:
        receipts = notice.inbox.aggregate(total=Count("pk"), read=Count("read_at"))
        context |= {
            "receipts": receipts,
            "deliveries": [
                (Channel(row["channel"]).label, DeliveryStatus(row["status"]).label, row["n"])
                for row in notice.deliveries.values("channel", "status")
                .annotate(n=Count("pk"))
                .order_by("channel", "status")
            ],
            "problems": notice.deliveries.filter(status__in=["failed", "uncertain"]).select_related(
                "group"
            )[:20],
        }
    return render(request, "notices/detail.html", context)


@login_required
def notice_file(request: HttpRequest, pk: int, file: int) -> HttpResponse:
    notice = get_or_404(notices_for_user(request.user), pk)
    item = get_or_404(notice.attachments.all(), file)
    return FileResponse(item.file.open("rb"), as_attachment=not item.is_image, filename=item.name)


@login_required
@require_POST
def notice_submit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.PUBLISH_NOTICES)
    notice = get_or_404(Notice.objects.filter(created_by=request.user), pk)
    try:
        notice = services.notice_submit(actor=request.user, notice=notice)
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        if notice.status == NoticeStatus.PUBLISHED:
            messages.success(request, _("应急状态下的紧急通知已直接发布(已记入审计)。"))
        else:
            messages.success(
                request,
                _("已提交审核:发给 %(n)s 人,由%(role)s审核。")
                % {
                    "n": notice.audience_size,
                    "role": Role(services.reviewer_role(notice.audience_size)).label,
                },
            )
    return redirect("notice_detail", pk=notice.pk)


@login_required
@require_POST
def notice_review(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.PUBLISH_NOTICES)
    notice = get_or_404(notices_for_user(request.user), pk)
    try:
        notice = services.notice_review(
            actor=request.user,
            notice=notice,
            approve=request.POST.get("approve") == "1",
            note=request.POST.get("note", ""),
        )
    except ApplicationError as failure:
        messages.error(request, failure.message)
    else:
        messages.success(
            request, _("已审核:%(status)s。") % {"status": notice.get_status_display()}
        )
    return redirect("notice_detail", pk=notice.pk)


@login_required
def review_rules(request: HttpRequest) -> HttpResponse:
    """Admins set which role reviews notices up to which audience size."""
    from weiwang.audit.services import audit_record
    from weiwang.notices.models import ReviewRule

    require(request.user, Action.MANAGE_REVIEW_RULES)
    rules = list(ReviewRule.objects.all())
    reviewers = [Role.GRID_WORKER, Role.COMMUNITY_WORKER, Role.REGION_ADMIN]
    error = ""
    if request.method == "POST":
        try:
            changed = []
            for rule in rules:
                size = int(request.POST.get(f"size-{rule.pk}", rule.max_audience))
                role = request.POST.get(f"role-{rule.pk}", rule.reviewer_role)
                if size < 1 or role not in reviewers:
                    raise ValueError
                rule.max_audience, rule.reviewer_role = size, role
                changed.append(rule)
        except ValueError:
            error = _("人数应是正整数,审核角色要从列表中选。")
        else:
            ReviewRule.objects.bulk_update(changed, ["max_audience", "reviewer_role"])
            audit_record(
                actor=request.user,
                action="notices.rules",
                target_type="review_rules",
                target_id=0,
                detail={str(r.pk): [r.max_audience, r.reviewer_role] for r in changed},
            )
            messages.success(request, _("审核规则已保存。"))
            return redirect("notice_review_rules")
    context = {
        "rules": rules,
        "reviewers": [(r.value, r.label) for r in reviewers],
        "error": error,
    }
    return render(request, "notices/review_rules.html", context, status=400 if error else 200)
