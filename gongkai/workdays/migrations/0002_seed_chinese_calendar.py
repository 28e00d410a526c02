"""Seed 2004–2026 from the chinesecalendar package (holidays and make-up days only)."""
from django.db import migrations


def seed(apps, schema_editor):
    from gongkai.workdays.services import seed_from_chinese_calendar

    seed_from_chinese_calendar(apps.get_model("workdays", "CalendarYear"), apps.get_model("workdays", "CalendarDay"))


def unseed(apps, schema_editor):
    apps.get_model("workdays", "CalendarYear").objects.filter(source="chinesecalendar").delete()


class Migration(migrations.Migration):
    dependencies = [("workdays", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
