"""The worker's visit pages: who is due (overdue first, in walking order), recording a visit,
turning a problem found into a case; coverage per grid and micro-grid for staff."""

from __future__ import annotations

import datetime as dt
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, get_or_404, require
from weiwang.cases.selectors import active_categories
from weiwang.core.dates import form_datetime
from weiwang.core.errors import ApplicationError
from weiwang.people.models import Household
from weiwang.people.selectors import residents_for_user
from weiwang.regions.selectors import get_region_for_user
from weiwang.visits import services
from weiwang.visits.models import Visit, VisitKind


def _households(user):
    return Household.objects.filter(members__in=residents_for_user(user)).distinct()


def visits_for_user(user):
    return Visit.objects.filter(household__in=_households(user)).select_related(
        "household__dwelling", "resident", "visitor"
    )


@login_required
def due_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    rows = services.worker_list(services.due_for(residents_for_user(request.user)))
    recent = visits_for_user(request.user).filter(visitor=request.user)[:10]
    return render(request, "visits/due.html", {"rows": rows[:200], "recent": recent})


@login_required
def visit_new(request: HttpRequest, household: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    home = get_or_404(_households(request.user).select_related("dwelling"), household)
    members = list(home.members.filter(status="current"))
    error = ""
    if request.method == "POST":
        post = request.POST
        when = form_datetime(post.get("visited_at")) or timezone.now()
        resident = next((m for m in members if str(m.pk) == post.get("resident")), None)
        try:
            visit, _created = services.visit_record(
                visitor=request.user,
                household=home,
                kind=post.get("kind", ""),
                visited_at=when,
                idempotency_key=post.get("idempotency_key", ""),
                found=post.get("found", ""),
                wellbeing={name: post.get(name, "") for name, _l in services.WELLBEING_FIELDS},
                service=post.get("service", ""),
                resident=resident,
                photos=request.FILES.getlist("photos"),
            )
        except ApplicationError as failure:
            error = failure.message
        else:
            messages.success(request, _("走访已记录。"))
            return redirect("visit_detail", pk=visit.pk)
    context = {
        "home": home,
        "members": members,
        "kinds": VisitKind.choices,
        "fields": services.WELLBEING_FIELDS,
        "key": secrets.token_hex(16),
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
        "error": error,
    }
    return render(request, "visits/new.html", context, status=400 if error else 200)


@login_required
def visit_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    visit = get_or_404(visits_for_user(request.user), pk)
    labels = dict(services.WELLBEING_FIELDS)
    context = {
        "visit": visit,
        "photos": visit.photos.all(),
        "wellbeing": [(labels.get(k, k), v) for k, v in visit.wellbeing.items()],
        "categories": active_categories(),
    }
    return render(request, "visits/detail.html", context)


@login_required
def visit_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    from django.http import FileResponse

    require(request.user, Action.HANDLE_CASES)
    visit = get_or_404(visits_for_user(request.user), pk)
    item = get_or_404(visit.photos.all(), photo)
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")


@login_required
@require_POST
def visit_case(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    visit = get_or_404(visits_for_user(request.user), pk)
    category = active_categories().filter(pk=request.POST.get("category") or 0).first()
    if category is None:
        messages.error(request, _("请选择事件分类。"))
        return redirect("visit_detail", pk=visit.pk)
    try:
        case = services.visit_to_case(
            actor=request.user,
            visit=visit,
            category=category,
            description=request.POST.get("description", ""),
        )
    except ApplicationError as error:
        messages.error(request, error.message)
        return redirect("visit_detail", pk=visit.pk)
    return redirect("case_detail", pk=case.pk)


@login_required
def coverage(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    region = get_region_for_user(request.user, pk)
    if region.level == "micro_grid":
        raise Http404
    rows = services.coverage(region, residents_for_user(request.user))
    never = [
        d
        for d in services.due_for(
            residents_for_user(request.user).filter(region_path__startswith=region.path)
        )
        if d.last_visit is None
    ]
    context = {"region": region, "rows": rows, "never": never[:100], "today": dt.date.today()}
    return render(request, "visits/coverage.html", context)


@login_required
@require_POST
def visit_upload(request: HttpRequest) -> HttpResponse:
    """The phone's queue of visits recorded offline (JSON, same rules as the API)."""
    import json

    from django.http import JsonResponse

    require(request.user, Action.HANDLE_CASES)
    try:
        data = json.loads(request.body or b"{}")
        home = get_or_404(_households(request.user), data.get("household_id"))
        when = form_datetime(data.get("visited_at")) or timezone.now()
        resident = home.members.filter(pk=data.get("resident") or 0).first()
        visit, created = services.visit_record(
            visitor=request.user,
            household=home,
            kind=str(data.get("kind", "")),
            visited_at=when,
            idempotency_key=str(data.get("idempotency_key", "")),
            found=str(data.get("found", "")),
            wellbeing=data.get("wellbeing") or {},
            service=str(data.get("service", "")),
            resident=resident,
        )
    except (ValueError, TypeError):
        return JsonResponse(
            {"error": {"code": "invalid", "message": _("数据格式不正确。")}}, status=400
        )
    except ApplicationError as error:
        return JsonResponse({"error": {"code": error.code, "message": error.message}}, status=400)
    return JsonResponse({"id": visit.pk, "created": created}, status=201 if created else 200)


@login_required
def rules(request: HttpRequest) -> HttpResponse:
    """Admins keep the visit tiers (how often) and which population tag is visited at which
    tier."""
    from weiwang.audit.services import audit_record
    from weiwang.people.models import PopulationTag
    from weiwang.visits.models import VisitRule, VisitTier

    require(request.user, Action.MANAGE_VISIT_RULES)
    tiers = list(VisitTier.objects.all())
    tags = list(PopulationTag.objects.filter(active=True).order_by("name"))
    if request.method == "POST":
        try:
            changed = {}
            for tier in tiers:
                days = int(request.POST.get(f"days-{tier.pk}", tier.interval_days))
                hours_text = request.POST.get(f"hours-{tier.pk}", "").strip()
                hours = int(hours_text) if hours_text else None
                if days < 1 or (hours is not None and hours < 1):
                    raise ValueError
                if (days, hours) != (tier.interval_days, tier.after_change_hours):
                    tier.interval_days, tier.after_change_hours = days, hours
                    tier.save(update_fields=["interval_days", "after_change_hours"])
                    changed[tier.code] = [days, hours]
            by_pk = {str(t.pk): t for t in tiers}
            for tag in tags:
                chosen = request.POST.get(f"tag-{tag.code}", "")
                if chosen in by_pk:
                    VisitRule.objects.update_or_create(
                        tag_code=tag.code, defaults={"tier": by_pk[chosen]}
                    )
                else:
                    VisitRule.objects.filter(tag_code=tag.code).delete()
        except ValueError:
            messages.error(request, _("天数和小时数应是大于 0 的整数。"))
        else:
            audit_record(
                actor=request.user,
                action="visits.rules",
                target_type="visit_rules",
                target_id=0,
                detail=changed,
            )
            messages.success(request, _("走访规则已保存。"))
            return redirect("visit_rules")
    current = dict(VisitRule.objects.values_list("tag_code", "tier_id"))
    context = {"tiers": tiers, "tags": [(t, current.get(t.code)) for t in tags]}
    return render(request, "visits/rules.html", context)
