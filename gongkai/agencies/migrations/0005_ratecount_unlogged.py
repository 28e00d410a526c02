"""Rate-limit counters need no durability: on PostgreSQL the table is UNLOGGED, so a portal request's
counting commit does not wait for a WAL flush (after a crash the counters simply start again at zero)."""
from django.db import migrations


def unlogged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE agencies_ratecount SET UNLOGGED")


def logged(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("ALTER TABLE agencies_ratecount SET LOGGED")


class Migration(migrations.Migration):
    dependencies = [("agencies", "0004_ratecount")]
    operations = [migrations.RunPython(unlogged, logged)]
