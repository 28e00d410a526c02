# Letter templates belong to an agency; per-agency 发文字号 and fonts; the 发文字号 of each issued letter.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('agencies', '0002_audit_guard'),
        ('applications', '0002_drop_shared_letter_templates'),
    ]

    operations = [
        migrations.CreateModel(
            name='LetterSequence',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('year', models.PositiveSmallIntegerField()),
                ('last', models.PositiveIntegerField(default=0)),
            ],
        ),
        migrations.CreateModel(
            name='LetterSettings',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('doc_prefix', models.CharField(blank=True, help_text='如“临审批依申”，发文字号即为 临审批依申〔2026〕14号；留空则用机关简称加“公开”。', max_length=30, verbose_name='发文字号机关代字')),
                ('body_font', models.CharField(blank=True, help_text='本机安装的字体名称，多个用逗号分隔，依次选用；留空用系统设置（仿宋_GB2312）。', max_length=200, verbose_name='正文字体')),
                ('title_font', models.CharField(blank=True, help_text='同上；留空用系统设置（方正小标宋简体）。', max_length=200, verbose_name='标题字体')),
                ('updated_at', models.DateTimeField(auto_now=True)),
            ],
            options={
                'verbose_name': '文书设置',
                'verbose_name_plural': '文书设置',
            },
        ),
        migrations.AlterModelOptions(
            name='lettertemplate',
            options={'ordering': ['agency', 'kind', 'outcome'], 'verbose_name': '文书模板', 'verbose_name_plural': '文书模板'},
        ),
        migrations.RemoveConstraint(
            model_name='lettertemplate',
            name='letter_template_unique',
        ),
        migrations.AddField(
            model_name='issuedletter',
            name='doc_number',
            field=models.CharField(blank=True, max_length=60, verbose_name='发文字号'),
        ),
        migrations.AddField(
            model_name='lettertemplate',
            name='agency',
            field=models.ForeignKey(default=1, on_delete=django.db.models.deletion.CASCADE, related_name='letter_templates', to='agencies.agency', verbose_name='机关'),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name='lettertemplate',
            name='body',
            field=models.TextField(help_text='只能使用本页列出的字段，如 {{ applicant_name }}。', verbose_name='正文模板'),
        ),
        migrations.AddConstraint(
            model_name='lettertemplate',
            constraint=models.UniqueConstraint(fields=('agency', 'kind', 'outcome'), name='letter_template_agency_unique'),
        ),
        migrations.AddField(
            model_name='lettersequence',
            name='agency',
            field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='+', to='agencies.agency'),
        ),
        migrations.AddField(
            model_name='lettersettings',
            name='agency',
            field=models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='letter_settings', to='agencies.agency', verbose_name='机关'),
        ),
        migrations.AddConstraint(
            model_name='lettersequence',
            constraint=models.UniqueConstraint(fields=('agency', 'year'), name='letter_sequence_unique'),
        ),
    ]
