"""Case pages: report, lists and to-do, a case with its timeline and moves, rating, photos,
the inbox, and the settings (categories, time limits, working calendar)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from weiwang.access import Action, can, require
from weiwang.cases import selectors, services
from weiwang.cases.forms import CaseReportForm, RatingForm
from weiwang.cases.models import (
    OPEN_STATES,
    CaseCategory,
    CaseEvent,
    CasePhoto,
    CaseSource,
    CaseState,
    Tier,
    TimeLimit,
)
from weiwang.cases.photos import MAX_PHOTOS, clean_photo
from weiwang.cases.workflow import MOVES
from weiwang.core.errors import ApplicationError

PAGE_SIZE = 30


def _is_staff(user) -> bool:
    return can(user, Action.HANDLE_CASES)


@login_required
def case_new(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.REPORT_CASES)
    staff = _is_staff(request.user)
    own = None if staff else selectors.own_dwelling(request.user)
    if not staff and own is None:
        raise Http404
    form = CaseReportForm(
        request.POST or None,
        request.FILES or None,
        categories=selectors.active_categories(),
        buildings=selectors.places_for_report(request.user) if staff else None,
        staff=staff,
    )
    similar = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            if staff:
                micro_grid, building, dwelling, estate = selectors.report_place(request.user, data)
            else:
                micro_grid, building, dwelling = own.micro_grid, own.unit.building, own
                estate = building.estate
            if len(data["photos"]) > MAX_PHOTOS:
                raise ApplicationError(
                    _("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, code="photos"
                )
            photos = [clean_photo(p) for p in data["photos"]]
            if (building or estate) and not request.POST.get("confirm_new"):
                similar = selectors.similar_open_cases(
                    request.user, building=building, estate=estate, words=data["description"]
                )
            if not similar:
                case = _report(
                    request, data, (micro_grid, building, dwelling, estate), photos, staff
                )
                messages.success(request, _("已上报,编号 %(number)s。") % {"number": case.number})
                return redirect("case_detail", pk=case.pk)
        except ApplicationError as error:
            form.add_error(None, error.message)
    main = ["category", "description", "building", "room", "photos", "latitude", "longitude"]
    more = [form[name] for name in form.fields if name not in main]
    context = {
        "form": form,
        "similar": similar,
        "staff": staff,
        "own": own,
        "main_fields": [form[name] for name in main if name in form.fields],
        "more_fields": more,
        "more_open": any(f.errors for f in more)
        or (form.is_bound and form.data.get("source", "worker") != "worker"),
    }
    status = 400 if form.errors else 200
    return render(request, "cases/new.html", context, status=status)


@transaction.atomic
def _report(request, data, place, photos, staff):
    micro_grid, building, dwelling, estate = place
    category = selectors.active_categories().get(pk=int(data["category"]))
    reporter = None
    if staff and data.get("source") == CaseSource.RESIDENT and dwelling is not None:
        reporter = selectors.account_at(dwelling)
    case, _code = services.case_report(
        reporter=reporter,
        actor=request.user,
        category=category,
        description=data["description"],
        micro_grid=micro_grid,
        source=data.get("source") or (CaseSource.WORKER if staff else CaseSource.RESIDENT),
        limit=data.get("limit"),
        estate=estate,
        building=building,
        dwelling=dwelling,
        place=data.get("place", ""),
        latitude=data.get("latitude"),
        longitude=data.get("longitude"),
        people_involved=data.get("people_involved", ""),
        reporter_name=data.get("reporter_name", "") or (str(request.user) if not staff else ""),
        reporter_phone=data.get("reporter_phone", ""),
        external_number=data.get("external_number", ""),
    )
    for photo in photos:
        CasePhoto.objects.create(case=case, image=photo)
    return case


def _listing(request, queryset, template, extra=None):
    queryset = selectors.filter_cases(queryset, request.GET).order_by("-id")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "page": page,
        "query": query.urlencode(),
        "params": request.GET,
        "states": CaseState.choices,
        "tiers": Tier.choices,
        "sources": CaseSource.choices,
        "categories": CaseCategory.objects.all(),
        "limits": TimeLimit.objects.all(),
        "staff": _is_staff(request.user),
        **(extra or {}),
    }
    return render(request, template, context)


@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.REPORT_CASES)
    return _listing(request, selectors.cases_for_user(request.user), "cases/list.html")


@login_required
def case_todo(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    todo = selectors.todo_for_user(request.user)
    page = Paginator(todo, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/todo.html", {"page": page})


@login_required
def case_supervision(request: HttpRequest) -> HttpResponse:
    """Leaders' list: overdue open cases below them, oldest deadline first."""
    require(request.user, Action.HANDLE_CASES)
    overdue = selectors.cases_for_user(request.user).filter(overdue=True, state__in=OPEN_STATES)
    page = Paginator(overdue.order_by("deadline"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "cases/supervision.html", {"page": page})


@login_required
def case_detail(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    here, above = selectors.allowed_actions(request.user, case)
    merge_choices = []
    if "merge" in here:
        merge_choices = (
            selectors.cases_for_user(request.user)
            .filter(state__in=OPEN_STATES, region_path=case.region_path)
            .exclude(pk=case.pk)[:30]
        )
    events = CaseEvent.objects.filter(case=case).select_related("actor")
    context = {
        "case": case,
        "events": events,
        "photos": case.photos.all(),
        "moves": [(a, MOVES[a]) for a in here],
        "above_moves": [(a, MOVES[a]) for a in above],
        "merge_choices": merge_choices,
        "can_rate": case.reporter_id == request.user.pk and case.state == CaseState.AWAITING_RATING,
        "rating_form": RatingForm(),
        "staff": _is_staff(request.user),
    }
    return render(request, "cases/detail.html", context)


@login_required
@require_POST
def case_act(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.HANDLE_CASES)
    case = selectors.get_case_for_user(request.user, pk)
    merge_into = None
    if request.POST.get("merge_into", "").isdigit():
        merge_into = (
            selectors.cases_for_user(request.user)
            .filter(pk=int(request.POST["merge_into"]))
            .first()
        )
    try:
        version = int(request.POST.get("version", ""))
    except ValueError:
        version = None
    try:
        with transaction.atomic():
            services.case_act(
                actor=request.user,
                case=case,
                action=request.POST.get("action", ""),
                version=version,
                note=request.POST.get("note", ""),
                merge_into=merge_into,
            )
            for upload in request.FILES.getlist("photos")[:MAX_PHOTOS]:
                event = CaseEvent.objects.filter(case=case).order_by("-id").first()
                CasePhoto.objects.create(case=case, event=event, image=clean_photo(upload))
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("已处理。"))
    return redirect("case_detail", pk=case.pk)


@login_required
@require_POST
def case_follow(request: HttpRequest, pk: int) -> HttpResponse:
    """A resident joins an open case at their building or estate instead of reporting again."""
    require(request.user, Action.REPORT_CASES)
    case = selectors.joinable_case(request.user, pk)
    services.case_follow(user=request.user, case=case)
    messages.success(request, _("已关注这件事,办结时会通知您。"))
    return redirect("case_detail", pk=case.pk)


@login_required
@require_POST
def case_rate(request: HttpRequest, pk: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    if case.reporter_id != request.user.pk:
        raise Http404
    form = RatingForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择满意、基本满意或不满意。"))
        return redirect("case_detail", pk=case.pk)
    try:
        services.case_rate(
            case=case,
            rating=form.cleaned_data["rating"],
            comment=form.cleaned_data["comment"],
            rater=request.user,
        )
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("谢谢您的评价。"))
    return redirect("case_detail", pk=case.pk)


@login_required
def case_photo(request: HttpRequest, pk: int, photo: int) -> HttpResponse:
    case = selectors.get_case_for_user(request.user, pk)
    try:
        item = case.photos.get(pk=photo)
    except CasePhoto.DoesNotExist:
        raise Http404 from None
    return FileResponse(item.image.open("rb"), content_type="image/jpeg")
