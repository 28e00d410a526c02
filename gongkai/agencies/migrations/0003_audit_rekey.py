"""Re-key checkpoint: a chain written with plain SHA-256 (before the keyed chain) is closed by one keyed
``audit.rekey`` entry naming its last entry; every later hash is an HMAC (see audit.py). Existing entries
are not rewritten: the log stays append-only. Nothing happens on an empty or already keyed chain."""
from django.db import migrations


def checkpoint(apps, schema_editor):
    from gongkai.agencies import audit

    audit.rekey_checkpoint(apps.get_model("agencies", "AuditEntry"), apps.get_model("agencies", "AuditChainHead"))


class Migration(migrations.Migration):
    dependencies = [("agencies", "0002_audit_guard")]
    operations = [migrations.RunPython(checkpoint, migrations.RunPython.noop)]
