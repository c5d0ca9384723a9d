"""Working days in China: Monday to Friday, minus statutory holidays, plus the weekend days
that are worked instead (调休). The exceptions are data (CalendarDay), seeded from the
`holidays` library for the years whose official schedule it carries, and entered by staff for
a new year when the State Council publishes it (each November).

A year nobody has entered still computes, from weekends and the fixed-date holidays alone,
and the result is flagged for review instead of failing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from weiwang.cases.models import CalendarDay, CalendarYear

# Holidays on fixed dates, used for years without an entered schedule: 元旦, 劳动节, 国庆节.
FIXED_HOLIDAYS = {(1, 1), (5, 1), (10, 1), (10, 2), (10, 3)}


@dataclass
class WorkingCalendar:
    """The calendar for a span of years, loaded once (a handful of rows per year)."""

    exceptions: dict[dt.date, bool]
    confirmed_years: set[int]

    @classmethod
    def load(cls, first_year: int, last_year: int) -> WorkingCalendar:
        days = CalendarDay.objects.filter(
            date__gte=dt.date(first_year, 1, 1), date__lte=dt.date(last_year, 12, 31)
        )
        years = CalendarYear.objects.filter(
            year__gte=first_year, year__lte=last_year, confirmed=True
        )
        return cls(
            exceptions=dict(days.values_list("date", "working")),
            confirmed_years=set(years.values_list("year", flat=True)),
        )

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.exceptions:
            return self.exceptions[day]
        if day.year not in self.confirmed_years and (day.month, day.day) in FIXED_HOLIDAYS:
            return False
        return day.weekday() < 5

    def add_working_days(self, start: dt.date, count: int) -> tuple[dt.date, bool]:
        """The `count`-th working day after `start` (the day of receipt does not count), and
        whether any day on the way lies in a year whose schedule is not confirmed."""
        day, left, unconfirmed = start, count, False
        while left > 0:
            day += dt.timedelta(days=1)
            unconfirmed |= day.year not in self.confirmed_years
            if self.is_working_day(day):
                left -= 1
        return day, unconfirmed


def deadline_for(received: dt.datetime, amount: int, unit: str) -> tuple[dt.datetime, bool]:
    """A case's deadline: hours on the clock, or the end of the N-th working day (local time).
    Returns (deadline, unconfirmed)."""
    if unit == "hours":
        return received + dt.timedelta(hours=amount), False
    local = timezone.localtime(received)
    # Fifteen working days fit in well under two months; load a year either side to be safe.
    calendar = WorkingCalendar.load(local.year, local.year + 1 + amount // 200)
    last_day, unconfirmed = calendar.add_working_days(local.date(), amount)
    end = dt.datetime.combine(last_day + dt.timedelta(days=1), dt.time(), local.tzinfo)
    return end, unconfirmed


def library_years() -> list[int]:
    """The years for which the `holidays` library carries the official schedule."""
    from holidays.countries.china import ChinaStaticHolidays

    return sorted(ChinaStaticHolidays.special_public_holidays)


@transaction.atomic
def calendar_load_from_library(years: list[int] | None = None) -> list[int]:
    """Enter the holidays and 调休 working days of the years the library covers; years staff
    have entered themselves are left alone. Returns the years loaded."""
    from holidays.countries.china import China

    loaded = []
    for year in years or library_years():
        if year not in library_years():
            continue
        existing = CalendarYear.objects.filter(year=year).first()
        if existing and existing.confirmed and existing.source != "holidays":
            continue
        schedule = China(years=year, language="zh_CN")
        rows = {
            day: CalendarDay(date=day, working=False, name=str(name)[:60])
            for day, name in schedule.items()
            if day.year == year
        }
        for day in schedule.weekend_workdays:
            if day.year == year:
                rows[day] = CalendarDay(date=day, working=True, name=_("调休上班"))
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(rows.values())
        CalendarYear.objects.update_or_create(
            year=year, defaults={"confirmed": True, "source": "holidays"}
        )
        loaded.append(year)
    return loaded
