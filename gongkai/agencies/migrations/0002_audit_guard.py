"""Database-level guard: the audit table refuses UPDATE and DELETE (triggers, SQLite and PostgreSQL)."""
from django.db import migrations


def install(apps, schema_editor):
    from gongkai.agencies import audit

    audit.install_guard(schema_editor.connection)


def remove(apps, schema_editor):
    from gongkai.agencies import audit

    audit.remove_guard(schema_editor.connection)


class Migration(migrations.Migration):
    dependencies = [("agencies", "0001_initial")]
    operations = [migrations.RunPython(install, remove)]
