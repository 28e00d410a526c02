"""Citus-ready keys (gongkai.agencies.distribution): no database constraint between grown tables."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# SQLite rebuilds portal_searchdoc to drop the foreign key, which drops the FTS5 triggers of 0002 with
# the old table: create them again (the FTS table itself and its content survive the rename).
_fts = import_module("gongkai.portal.migrations.0002_search_index")
TRIGGERS = [sql for sql in _fts.SQLITE if sql.startswith("CREATE TRIGGER")]


def _triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in _fts.SQLITE_REVERSE[:3]:  # the DROP TRIGGER IF EXISTS statements
            schema_editor.execute(sql)
        for sql in TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_citus_keys'),
        ('portal', '0003_report_versions'),
    ]

    operations = [
        migrations.AlterField(
            model_name='searchdoc',
            name='item',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='catalog.item'),
        ),
        migrations.RunPython(_triggers, _triggers),
    ]
