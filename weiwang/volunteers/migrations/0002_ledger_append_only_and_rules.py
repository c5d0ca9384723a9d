"""The points ledger refuses UPDATE and DELETE in PostgreSQL itself (the model refuses them
everywhere), and the default service rule: 1 point per hour, at most 2 hours per activity."""

from decimal import Decimal

from django.db import migrations

TRIGGER = """
CREATE OR REPLACE FUNCTION volunteers_ledger_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'volunteers_pointentry is append-only';
END;
$$ LANGUAGE plpgsql;
CREATE TRIGGER volunteers_pointentry_append_only
    BEFORE UPDATE OR DELETE ON volunteers_pointentry
    FOR EACH ROW EXECUTE FUNCTION volunteers_ledger_append_only();
"""
DROP = """
DROP TRIGGER IF EXISTS volunteers_pointentry_append_only ON volunteers_pointentry;
DROP FUNCTION IF EXISTS volunteers_ledger_append_only();
"""


def add_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(TRIGGER)


def drop_trigger(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


def add_rule(apps, schema_editor):
    PointRule = apps.get_model("volunteers", "PointRule")
    PointRule.objects.get_or_create(
        code="service",
        defaults={
            "name": "志愿服务时长",
            "points_per_hour": Decimal("1.0"),
            "max_hours_per_activity": Decimal("2.0"),
        },
    )


class Migration(migrations.Migration):
    dependencies = [("volunteers", "0001_volunteering")]

    operations = [
        migrations.RunPython(add_trigger, drop_trigger),
        migrations.RunPython(add_rule, migrations.RunPython.noop),
    ]
