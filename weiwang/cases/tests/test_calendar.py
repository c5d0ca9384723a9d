"""Deadline arithmetic in working days, across holidays, adjusted working days (调休) and into a
year whose schedule nobody has entered."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from weiwang.cases.calendar import calendar_load_from_library, deadline_for, library_years
from weiwang.cases.models import CalendarDay, CalendarYear

pytestmark = pytest.mark.django_db


def _at(text: str) -> dt.datetime:
    return timezone.make_aware(dt.datetime.fromisoformat(text))


def _day_after(text: str) -> dt.datetime:
    """A deadline at the end of that day is midnight of the next (local time)."""
    return _at(text) + dt.timedelta(days=1)


def test_the_library_years_are_loaded_and_confirmed():
    years = set(CalendarYear.objects.filter(confirmed=True).values_list("year", flat=True))
    assert {2024, 2025, 2026} <= years
    national_day = CalendarDay.objects.get(date=dt.date(2026, 10, 5))
    assert not national_day.working


def test_three_working_days_across_national_day_end_on_a_worked_saturday():
    # 2026: 10/1–10/7 off (10/4 a Sunday), 10/10 a Saturday worked instead (调休).
    deadline, unconfirmed = deadline_for(_at("2026-09-30T10:00"), 3, "working_days")
    assert deadline == _day_after("2026-10-10T00:00")  # 10/8, 10/9, 10/10 (Saturday)
    assert not unconfirmed


def test_an_adjusted_working_sunday_counts_and_a_weekday_holiday_does_not():
    # 2026-01-02 (Friday) is off, 2026-01-04 (Sunday) is worked.
    deadline, _ = deadline_for(_at("2025-12-31T09:00"), 1, "working_days")
    assert deadline == _day_after("2026-01-04T00:00")


def test_hours_are_on_the_clock_whatever_the_day():
    start = _at("2026-10-01T08:00")
    assert deadline_for(start, 2, "hours") == (start + dt.timedelta(hours=2), False)


def test_a_year_nobody_entered_still_computes_and_is_flagged():
    assert not CalendarYear.objects.filter(year=2031, confirmed=True).exists()
    # 2031-09-30 is a Tuesday: 10/1–10/3 are fixed holidays, then the weekend.
    deadline, unconfirmed = deadline_for(_at("2031-09-30T10:00"), 2, "working_days")
    assert deadline == _day_after("2031-10-07T00:00")  # 10/6 Monday, 10/7 Tuesday
    assert unconfirmed


def test_a_span_reaching_into_an_unentered_year_is_flagged():
    last = max(library_years())
    start = _at(f"{last}-12-28T10:00")
    _deadline, unconfirmed = deadline_for(start, 15, "working_days")
    assert unconfirmed


def test_staff_entries_for_a_new_year_are_used_and_clear_the_flag():
    CalendarYear.objects.create(year=2031, confirmed=True, source="国务院办公厅通知")
    CalendarDay.objects.create(date=dt.date(2031, 10, 6), working=False, name="国庆节")
    CalendarDay.objects.create(date=dt.date(2031, 10, 11), working=True, name="调休上班")
    deadline, unconfirmed = deadline_for(_at("2031-09-30T10:00"), 2, "working_days")
    # 10/1–10/3 are no longer assumed: only the entered exceptions and weekends count.
    assert deadline == _day_after("2031-10-02T00:00")
    assert not unconfirmed


def test_reloading_from_the_library_leaves_staff_years_alone():
    CalendarYear.objects.filter(year=2026).update(source="staff", confirmed=True)
    CalendarDay.objects.create(date=dt.date(2026, 12, 1), working=False, name="本地调整")
    assert 2026 not in calendar_load_from_library([2026])
    assert CalendarDay.objects.filter(date=dt.date(2026, 12, 1)).exists()
    assert calendar_load_from_library([2025]) == [2025]
