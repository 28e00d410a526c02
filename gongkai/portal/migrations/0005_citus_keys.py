"""Citus-ready keys (gongkai.agencies.distribution): no database constraint between grown tables."""

from importlib import import_module

import django.db.models.deletion
from django.db import migrations, models

# SQLite rebuilds portal_searchdoc to drop the foreign key, which drops the FTS5 triggers of 0004 with
# the old table: create them again (the FTS table itself and its content survive the rename).
_fts = import_module("gongkai.portal.migrations.0004_search_scale")
TRIGGERS = [sql for sql in _fts.SQLITE if sql.startswith("CREATE TRIGGER")]
DROPS = [sql for sql in _fts.SQLITE if sql.startswith("DROP TRIGGER")] + ["DROP VIEW IF EXISTS portal_searchdoc_fts"]
VIEW = [sql for sql in _fts.SQLITE if sql.startswith("CREATE VIEW")]


def _drop(apps, schema_editor):
    # The FTS view reads portal_searchdoc: SQLite refuses to rename the rebuilt table while it exists.
    if schema_editor.connection.vendor == "sqlite":
        for sql in DROPS:
            schema_editor.execute(sql)


def _triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "sqlite":
        for sql in DROPS + VIEW:
            schema_editor.execute(sql)
        for sql in TRIGGERS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0004_citus_keys'),
        ('portal', '0004_search_scale'),
    ]

    operations = [
        migrations.RunPython(_drop, _triggers),
        migrations.AlterField(
            model_name='searchdoc',
            name='item',
            field=models.OneToOneField(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, primary_key=True, related_name='+', serialize=False, to='catalog.item'),
        ),
        migrations.RunPython(_triggers, _drop),
    ]
