"""Reporting without an account, from a QR code printed per estate or building (the code
carries the place, not a secret), and following the case with its number and retrieval code.
Rate-limited per client address and per place: a flood gets a clear refusal."""

from __future__ import annotations

from collections import Counter

import segno
from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_ratelimit.core import is_ratelimited

from weiwang.access import get_or_404
from weiwang.cases import services
from weiwang.cases.forms import MultipleImageField, RatingForm
from weiwang.cases.models import Case, CaseEvent, CasePhoto, CaseSource, CaseState
from weiwang.cases.photos import MAX_PHOTOS, clean_photo
from weiwang.cases.selectors import active_categories
from weiwang.core.errors import ApplicationError
from weiwang.regions.models import Building, Dwelling, Estate, Region
from weiwang.regions.selectors import dwellings_for_user, get_building_for_user

PUBLIC_STEPS = {"report", "accept", "start", "escalate", "hand_back", "resolve", "reject"}
PUBLIC_STEPS |= {"merge", "rate", "archive", "auto_escalate", "pull_up"}


class PublicReportForm(forms.Form):
    category = forms.ChoiceField(label=gettext_lazy("什么问题"))
    description = forms.CharField(
        label=gettext_lazy("请描述"), max_length=1000, widget=forms.Textarea(attrs={"rows": 4})
    )
    building = forms.ChoiceField(label=gettext_lazy("楼栋"), required=False)
    place = forms.CharField(
        label=gettext_lazy("具体位置"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("选填,例如 2单元门口"),
    )
    phone = forms.CharField(
        label=gettext_lazy("联系电话"),
        max_length=20,
        required=False,
        help_text=gettext_lazy("选填。只有处理人员能看到,且只显示部分号码。"),
    )
    photos = MultipleImageField(label=gettext_lazy("照片"), required=False)

    def __init__(self, *args, buildings=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["category"].choices = [("", _("请选择"))] + [
            (c.pk, c.name) for c in active_categories()
        ]
        if buildings is None:
            del self.fields["building"]
        else:
            self.fields["building"].choices = [("", _("小区公共区域"))] + [
                (b.pk, str(b)) for b in buildings
            ]


class TrackForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("事件编号"), max_length=20)
    code = forms.CharField(label=gettext_lazy("查询码"), max_length=10)


def micro_grid_at(building: Building | None, estate: Estate) -> Region | None:
    if building is not None and building.micro_grid_id:
        return building.micro_grid
    dwellings = Dwelling.objects.filter(unit__building__estate=estate)
    if building is not None:
        dwellings = dwellings.filter(unit__building=building)
    grids = Counter(dwellings.values_list("micro_grid", flat=True))
    if not grids:
        return None
    return Region.objects.get(pk=grids.most_common(1)[0][0])


def report_rate_limited(request: HttpRequest, place_key: str) -> bool:
    """Count this attempt against the client address and against the place."""
    by_address = is_ratelimited(
        request,
        group="public-report-ip",
        key="ip",
        rate=settings.PUBLIC_REPORT_IP_RATE,
        method="POST",
        increment=True,
    )
    by_place = is_ratelimited(
        request,
        group="public-report-place",
        key=lambda _group, _request: place_key,
        rate=settings.PUBLIC_REPORT_PLACE_RATE,
        method="POST",
        increment=True,
    )
    return by_address or by_place


def public_report(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind == "b":
        building = Building.objects.select_related("estate").filter(pk=pk).first()
        estate = building.estate if building else None
        buildings = None
    elif kind == "e":
        building, estate = None, Estate.objects.filter(pk=pk).first()
        buildings = list(estate.buildings.order_by("number")) if estate else []
    else:
        raise Http404
    if estate is None:
        raise Http404
    form = PublicReportForm(request.POST or None, request.FILES or None, buildings=buildings)
    context = {"form": form, "estate": estate, "building": building}
    if request.method == "POST":
        if report_rate_limited(request, f"{kind}{pk}"):
            context["limited"] = True
            return render(request, "cases/public_report.html", context, status=429)
        if form.is_valid():
            try:
                return _public_submit(request, form.cleaned_data, estate, building, buildings)
            except ApplicationError as error:
                form.add_error(None, error.message)
    status = 400 if form.errors else 200
    return render(request, "cases/public_report.html", context, status=status)


def _public_submit(request, data, estate, building, buildings) -> HttpResponse:
    if buildings is not None and data.get("building"):
        building = next((b for b in buildings if str(b.pk) == data["building"]), None)
    micro_grid = micro_grid_at(building, estate)
    if micro_grid is None:
        raise ApplicationError(
            _("这个小区还没有划分网格,暂时无法在线反映,请联系社区。"), code="no_grid"
        )
    if len(data["photos"]) > MAX_PHOTOS:
        raise ApplicationError(_("最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, code="photos")
    photos = [clean_photo(p) for p in data["photos"]]
    case, code = services.case_report(
        actor=None,
        category=active_categories().get(pk=int(data["category"])),
        description=data["description"],
        micro_grid=micro_grid,
        source=CaseSource.ANONYMOUS,
        estate=estate,
        building=building,
        place=data.get("place", ""),
        reporter_phone=data.get("phone", ""),
        with_retrieval_code=True,
    )
    for photo in photos:
        CasePhoto.objects.create(case=case, image=photo)
    return render(request, "cases/public_done.html", {"case": case, "code": code})


def track(request: HttpRequest) -> HttpResponse:
    """Follow an anonymous case with its number and code (and rate it when resolved)."""
    form = TrackForm(request.POST or None)
    context: dict[str, object] = {"form": form}
    if request.method == "POST" and form.is_valid():
        if is_ratelimited(
            request, group="track", key="ip", rate="20/h", method="POST", increment=True
        ):
            context["limited"] = True
            return render(request, "cases/track.html", context, status=429)
        case = Case.objects.filter(number=form.cleaned_data["number"].strip().upper()).first()
        if case is None or not services.retrieval_code_matches(case, form.cleaned_data["code"]):
            form.add_error(None, _("编号或查询码不对,请核对后再试。"))
            return render(request, "cases/track.html", context, status=400)
        if request.POST.get("rating"):
            rating = RatingForm(request.POST)
            if rating.is_valid() and case.state == CaseState.AWAITING_RATING:
                case = services.case_rate(
                    case=case,
                    rating=rating.cleaned_data["rating"],
                    comment=rating.cleaned_data["comment"],
                )
                context["rated"] = True
        context.update(
            case=case,
            steps=CaseEvent.objects.filter(case=case, action__in=PUBLIC_STEPS),
            rating_form=RatingForm(),
        )
    return render(request, "cases/track.html", context)


@login_required
def building_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code to print at a building's door (staff who can see the building)."""
    building = get_building_for_user(request.user, pk)
    return _qr(request, "b", building.pk, str(building), building=building)


@login_required
def estate_qr(request: HttpRequest, pk: int) -> HttpResponse:
    """The QR code for an estate's gate or notice board: reporters pick the building."""
    visible = Estate.objects.filter(
        buildings__units__dwellings__in=dwellings_for_user(request.user)
    )
    estate = get_or_404(visible.distinct(), pk)
    return _qr(request, "e", estate.pk, estate.name, estate=estate)


def _qr(request, kind: str, pk: int, label: str, **context) -> HttpResponse:
    url = request.build_absolute_uri(reverse("public_report", args=[kind, pk]))
    svg = segno.make(url, error="m").svg_inline(scale=8, title=label)
    return render(request, "cases/qr.html", {"svg": svg, "url": url, "label": label, **context})
