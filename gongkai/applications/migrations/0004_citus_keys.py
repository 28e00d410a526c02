"""Citus-ready keys (gongkai.agencies.distribution): the agency on every row of a case, no database
constraint between grown tables, tracking codes and letter versions unique per agency; the version column."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_audit_guard'),
        ('applications', '0003_letters_per_agency'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='issuedletter',
            name='letter_version_unique',
        ),
        migrations.AddField(
            model_name='application',
            name='version',
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name='版本'),
        ),
        migrations.AddField(
            model_name='consultation',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='event',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='issuedletter',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='item',
            name='agency',
            field=models.ForeignKey(db_index=False, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.AlterField(
            model_name='application',
            name='tracking_code',
            field=models.CharField(max_length=16, verbose_name='查询码'),
        ),
        migrations.AlterField(
            model_name='consultation',
            name='application',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='consultations', to='applications.application'),
        ),
        migrations.AlterField(
            model_name='event',
            name='application',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='events', to='applications.application'),
        ),
        migrations.AlterField(
            model_name='issuedletter',
            name='application',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.PROTECT, related_name='letters', to='applications.application'),
        ),
        migrations.AlterField(
            model_name='item',
            name='application',
            field=models.ForeignKey(db_constraint=False, on_delete=django.db.models.deletion.CASCADE, related_name='items', to='applications.application'),
        ),
        migrations.AddConstraint(
            model_name='application',
            constraint=models.UniqueConstraint(fields=('tracking_code', 'agency'), name='application_tracking_code'),
        ),
        migrations.AddConstraint(
            model_name='issuedletter',
            constraint=models.UniqueConstraint(fields=('agency', 'application', 'kind', 'version'), name='letter_version_unique'),
        ),
        migrations.RunSQL(
            "UPDATE applications_consultation SET agency_id = (SELECT p.agency_id FROM applications_application p WHERE p.id = applications_consultation.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='consultation',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.RunSQL(
            "UPDATE applications_event SET agency_id = (SELECT p.agency_id FROM applications_application p WHERE p.id = applications_event.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='event',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.RunSQL(
            "UPDATE applications_issuedletter SET agency_id = (SELECT p.agency_id FROM applications_application p WHERE p.id = applications_issuedletter.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='issuedletter',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
        migrations.RunSQL(
            "UPDATE applications_item SET agency_id = (SELECT p.agency_id FROM applications_application p WHERE p.id = applications_item.application_id)",
            migrations.RunSQL.noop,
        ),
        migrations.AlterField(
            model_name='item',
            name='agency',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name='+', to='agencies.agency'),
        ),
    ]
