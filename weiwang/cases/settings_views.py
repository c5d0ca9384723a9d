"""Case settings for district and street admins: categories, grades and time limits, and the
working calendar (a new year's holidays and adjusted working days, each November)."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from weiwang.access import Action, require
from weiwang.audit.services import audit_record
from weiwang.cases.calendar import calendar_load_from_library, library_years
from weiwang.cases.models import CalendarDay, CalendarYear, CaseCategory, TimeLimit


class CategoryForm(forms.ModelForm):
    class Meta:
        model = CaseCategory
        fields = [
            "name",
            "code",
            "default_tier",
            "default_limit",
            "auto_escalate",
            "active",
            "sort",
        ]
        labels = {"code": gettext_lazy("代码(英文,接口使用)"), "sort": gettext_lazy("排序")}


class LimitForm(forms.ModelForm):
    class Meta:
        model = TimeLimit
        fields = ["name", "amount", "unit"]


class CalendarDayForm(forms.ModelForm):
    class Meta:
        model = CalendarDay
        fields = ["date", "working", "name"]
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}
        labels = {"working": gettext_lazy("这天上班(调休);不勾选表示放假")}


@login_required
def settings_index(request: HttpRequest) -> HttpResponse:
    require(request.user, Action.MANAGE_CASE_SETTINGS)
    this_year = timezone.localdate().year
    years = {y.year: y for y in CalendarYear.objects.all()}
    shown = sorted(set(years) | {this_year, this_year + 1})
    context = {
        "categories": CaseCategory.objects.select_related("default_limit"),
        "limits": TimeLimit.objects.all(),
        "years": [(y, years.get(y)) for y in shown],
    }
    return render(request, "cases/settings.html", context)


def _edit(request, instance, form_class, action: str, title: str) -> HttpResponse:
    form = form_class(request.POST or None, instance=instance)
    if request.method == "POST" and form.is_valid():
        with transaction.atomic():
            saved = form.save()
            audit_record(
                actor=request.user,
                action=action,
                target_type=saved._meta.model_name,
                target_id=saved.pk,
                detail={name: str(form.cleaned_data[name]) for name in form.changed_data},
            )
        messages.success(request, _("已保存。"))
        return redirect("case_settings")
    status = 400 if form.errors else 200
    return render(
        request, "cases/settings_edit.html", {"form": form, "title": title}, status=status
    )


@login_required
def category_edit(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    require(request.user, Action.MANAGE_CASE_SETTINGS)
    category = CaseCategory.objects.filter(pk=pk).first() if pk else None
    if pk and category is None:
        raise Http404
    title = category.name if category else _("新增分类")
    return _edit(request, category, CategoryForm, "case_category.edit", title)


@login_required
def limit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Action.MANAGE_CASE_SETTINGS)
    limit = TimeLimit.objects.filter(pk=pk).first()
    if limit is None:
        raise Http404
    return _edit(request, limit, LimitForm, "time_limit.edit", limit.name)


@login_required
def calendar_year(request: HttpRequest, year: int) -> HttpResponse:
    require(request.user, Action.MANAGE_CASE_SETTINGS)
    if not 2000 <= year <= 2100:
        raise Http404
    form = CalendarDayForm(request.POST or None, initial={"date": dt.date(year, 1, 1)})
    if request.method == "POST" and form.is_valid():
        day = form.cleaned_data["date"]
        if day.year != year:
            form.add_error("date", _("请填写 %(year)d 年的日期。") % {"year": year})
        else:
            with transaction.atomic():
                CalendarDay.objects.update_or_create(
                    date=day,
                    defaults={
                        "working": form.cleaned_data["working"],
                        "name": form.cleaned_data["name"],
                    },
                )
                audit_record(
                    actor=request.user,
                    action="calendar.day",
                    target_type="calendar_year",
                    target_id=year,
                    detail={"date": day.isoformat(), "working": form.cleaned_data["working"]},
                )
            messages.success(request, _("已保存 %(day)s。") % {"day": day.isoformat()})
            return redirect("calendar_year", year=year)
    context = {
        "year": year,
        "entry": CalendarYear.objects.filter(year=year).first(),
        "days": CalendarDay.objects.filter(date__year=year),
        "form": form,
        "in_library": year in library_years(),
    }
    return render(request, "cases/calendar_year.html", context, status=400 if form.errors else 200)


@login_required
@require_POST
def calendar_year_act(request: HttpRequest, year: int) -> HttpResponse:
    """Confirm or reopen a year, delete one day, or load the year from the library."""
    require(request.user, Action.MANAGE_CASE_SETTINGS)
    what = request.POST.get("what", "")
    with transaction.atomic():
        if what == "confirm":
            source = request.POST.get("source", "").strip()[:100] or _("工作人员录入")
            CalendarYear.objects.update_or_create(
                year=year, defaults={"confirmed": True, "source": source}
            )
            messages.success(
                request, _("%(year)d 年日历已确认,新的时限按它计算。") % {"year": year}
            )
        elif what == "unconfirm":
            CalendarYear.objects.filter(year=year).update(confirmed=False)
            messages.success(request, _("已改为未确认。"))
        elif what == "delete" and request.POST.get("date"):
            CalendarDay.objects.filter(date=request.POST["date"], date__year=year).delete()
            messages.success(request, _("已删除。"))
        elif what == "load":
            if calendar_load_from_library([year]):
                messages.success(request, _("已从节假日库载入 %(year)d 年。") % {"year": year})
            else:
                messages.error(
                    request, _("节假日库没有 %(year)d 年的安排,请手工录入。") % {"year": year}
                )
        else:
            messages.error(request, _("没有这个操作。"))
            return redirect("calendar_year", year=year)
        audit_record(
            actor=request.user,
            action=f"calendar.{what}",
            target_type="calendar_year",
            target_id=year,
            detail={"date": request.POST.get("date", "")},
        )
    return redirect("calendar_year", year=year)
