"""The portal list index with the id (PostgreSQL read and sorted every item of the newest date); the new
one is built before the old one goes, then the table's statistics are renewed: without statistics for the
new index, SQLite chose it for the staff list and sorted the agency's whole catalogue (16 s at 1M)."""

from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0003_audit_rekey'),
        ('catalog', '0004_citus_keys'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddIndex(
            model_name='item',
            index=models.Index(fields=['agency', 'state', 'date_published', 'id'], name='catalog_item_published'),
        ),
        migrations.RemoveIndex(
            model_name='item',
            name='catalog_ite_agency__12324b_idx',
        ),
        migrations.RunSQL("ANALYZE catalog_item", migrations.RunSQL.noop, elidable=True),
    ]
