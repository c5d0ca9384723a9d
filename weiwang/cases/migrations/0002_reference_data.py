"""Reference data: grades with their time limits, the 网格+ categories, and the working
calendar for the years the `holidays` library carries the official schedule of."""

from django.db import migrations

LIMITS = [
    # code, name, kind, amount, unit
    ("red", "紧急(红)", "event", 2, "hours"),
    ("yellow", "隐患(黄)", "event", 24, "hours"),
    ("blue", "一般(蓝)", "event", 72, "hours"),
    ("consult", "咨询", "appeal", 3, "working_days"),
    ("help", "求助", "appeal", 7, "working_days"),
    ("suggest", "建议", "appeal", 7, "working_days"),
    ("complain", "投诉", "appeal", 15, "working_days"),
    ("tipoff", "举报", "appeal", 15, "working_days"),
]
CATEGORIES = [
    # code, name, default tier, default limit, escalate automatically when overdue
    ("party", "党建", "community", "blue", False),
    ("safety", "综治安全", "grid", "yellow", True),
    ("dispute", "矛盾调解", "micro_grid", "blue", True),
    ("environment", "环境整治", "micro_grid", "blue", False),
    ("infrastructure", "基础设施", "grid", "blue", False),
    ("livelihood", "民生服务", "micro_grid", "help", False),
    ("civility", "文明创建", "micro_grid", "blue", False),
    ("emergency", "应急", "community", "red", True),
    ("other", "其他", "micro_grid", "blue", False),
]


def load(apps, schema_editor):
    TimeLimit = apps.get_model("cases", "TimeLimit")
    CaseCategory = apps.get_model("cases", "CaseCategory")
    limits = {}
    for sort, (code, name, kind, amount, unit) in enumerate(LIMITS):
        limits[code] = TimeLimit.objects.create(
            code=code, name=name, kind=kind, amount=amount, unit=unit, sort=sort
        )
    for sort, (code, name, tier, limit, escalate) in enumerate(CATEGORIES):
        CaseCategory.objects.create(
            code=code,
            name=name,
            default_tier=tier,
            default_limit=limits[limit],
            auto_escalate=escalate,
            sort=sort,
        )
    from holidays.countries.china import China, ChinaStaticHolidays

    CalendarYear = apps.get_model("cases", "CalendarYear")
    CalendarDay = apps.get_model("cases", "CalendarDay")
    for year in sorted(ChinaStaticHolidays.special_public_holidays):
        if year < 2020:
            continue
        schedule = China(years=year, language="zh_CN")
        days = {
            day: CalendarDay(date=day, working=False, name=str(name)[:60])
            for day, name in schedule.items()
            if day.year == year
        }
        for day in schedule.weekend_workdays:
            if day.year == year:
                days[day] = CalendarDay(date=day, working=True, name="调休上班")
        CalendarDay.objects.bulk_create(days.values())
        CalendarYear.objects.create(year=year, confirmed=True, source="holidays")


def unload(apps, schema_editor):
    for name in ("CalendarDay", "CalendarYear", "CaseCategory", "TimeLimit"):
        apps.get_model("cases", name).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
