"""Citus-ready keys (gongkai.agencies.distribution): no database constraint between grown tables. Also the appeal's version column."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('appeals', '0001_initial'),
        ('applications', '0004_citus_keys'),
    ]

    operations = [
        migrations.AddField(
            model_name='appeal',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='版本'),
        ),
        migrations.AlterField(
            model_name='appeal',
            name='application',
            field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='appeals', to='applications.application', verbose_name='相关申请'),
        ),
    ]
