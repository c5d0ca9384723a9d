"""Visit tiers and the default rules: high-risk weekly (and within 24 hours of a major change),
key monthly, general quarterly."""

from django.db import migrations

TIERS = [
    ("high_risk", "高风险", 7, 24, 3),
    ("key", "重点", 30, None, 2),
    ("general", "一般", 90, None, 1),
]
RULES = {
    "living_alone_elderly": "high_risk",
    "chronic_illness": "high_risk",
    "disabled": "key",
    "minimum_living": "key",
    "extreme_poverty": "key",
    "children_in_difficulty": "key",
    "advanced_age": "general",
    "veteran": "general",
}


def load(apps, schema_editor):
    VisitTier = apps.get_model("visits", "VisitTier")
    VisitRule = apps.get_model("visits", "VisitRule")
    tiers = {
        code: VisitTier.objects.create(
            code=code, name=name, interval_days=days, after_change_hours=hours, rank=rank
        )
        for code, name, days, hours, rank in TIERS
    }
    for code, tier in RULES.items():
        VisitRule.objects.create(tag_code=code, tier=tiers[tier])


def unload(apps, schema_editor):
    apps.get_model("visits", "VisitRule").objects.all().delete()
    apps.get_model("visits", "VisitTier").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("visits", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
