"""Citus-ready keys (gongkai.agencies.distribution): the agency on attachments and privacy hits, no
database constraint between grown tables, index numbers unique per agency; the item's version column."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_audit_guard'),
        ('catalog', '0003_item_agency_made'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name='attachment',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='item',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='版本'),
        ),
        migrations.AddField(
            model_name='privacyhit',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='attachment',
            name='item',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='attachments', to='catalog.item'),
        ),
        migrations.AlterField(
            model_name='item',
            name='index_number',
            field=models.CharField(max_length=60, verbose_name='索引号'),
        ),
        migrations.AlterField(
            model_name='privacyhit',
            name='attachment',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='privacy_hits', to='catalog.attachment'),
        ),
        migrations.AlterField(
            model_name='privacyhit',
            name='item',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='privacy_hits', to='catalog.item'),
        ),
        migrations.AddConstraint(
            model_name='item',
            constraint=models.UniqueConstraint(fields=('agency', 'index_number'), name='catalog_item_index_number'),
        ),
        migrations.RunSQL(
            "UPDATE catalog_attachment SET agency_id = (SELECT p.agency_id FROM catalog_item p WHERE p.id = catalog_attachment.item_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='attachment',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.RunSQL(
            "UPDATE catalog_privacyhit SET agency_id = (SELECT p.agency_id FROM catalog_item p WHERE p.id = catalog_privacyhit.item_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='privacyhit',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
    ]
