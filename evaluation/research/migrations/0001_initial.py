# The models of evaluation/research/ take over their tables from the evaluation app.

import django.core.validators
import django.db.models.deletion
import django.utils.timezone
import evaluation.research.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('evaluation', '0007_models_moved_to_sub_apps'),
        ('vakwerk', '0007_municipality_colour_readable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist: evaluation's migrations made them, and db_table keeps their names.
    # Only Django's model state learns that the models now live in this app.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='ResearchProject',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('institution', models.CharField(max_length=200, verbose_name='institution')),
                        ('agreement_reference', models.CharField(max_length=100, verbose_name='agreement reference')),
                        ('valid_until', models.DateField(verbose_name='valid until')),
                        ('secret', models.CharField(default=evaluation.research.models._new_secret, editable=False, max_length=64)),
                        ('export_retention_days', models.PositiveSmallIntegerField(default=14, verbose_name='export files are kept (days)')),
                        ('k_threshold', models.PositiveSmallIntegerField(default=5, help_text='Every combination of quasi-identifiers in an export is shared by at least this many participants. 5 unless the agreement says otherwise.', validators=[django.core.validators.MinValueValidator(1)], verbose_name='smallest group in an export (k)')),
                        ('detail_allowed', models.JSONField(blank=True, default=list, verbose_name='quasi-identifiers in full detail (per the agreement)')),
                        ('municipality', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='research_projects', to='vakwerk.municipality', verbose_name='municipality')),
                        ('programmes', models.ManyToManyField(related_name='research_projects', to='vakwerk.programme', verbose_name='programmes')),
                        ('researchers', models.ManyToManyField(blank=True, related_name='research_projects', to=settings.AUTH_USER_MODEL, verbose_name='researchers')),
                    ],
                    options={
                        'verbose_name': 'research project',
                        'verbose_name_plural': 'research projects',
                        'db_table': 'evaluation_researchproject',
                        'ordering': ['-valid_until', 'name'],
                    },
                ),
                migrations.CreateModel(
                    name='ResearchExport',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('queued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent to the queue at')),
                        ('resends', models.PositiveSmallIntegerField(default=0, verbose_name='sent again')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last sign of life')),
                        ('failure', models.CharField(blank=True, choices=[('error', 'An unexpected error occurred. The details are in the server log.'), ('time_limit', 'It took longer than allowed and was stopped.'), ('storage', 'The file could not be stored (the disk may be full).'), ('worker_lost', 'The worker stopped several times while making it.'), ('project_ended', 'The research project has ended.'), ('not_allowed', 'The requester is no longer a researcher of the project.')], max_length=20, verbose_name='reason of failure')),
                        ('tables', models.JSONField(default=list, verbose_name='tables')),
                        ('format', models.CharField(choices=[('csv', 'CSV (zip with codebook)'), ('xlsx', 'Excel'), ('sav', 'SPSS (.sav)'), ('dta', 'Stata (.dta)')], max_length=5, verbose_name='format')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('expires_at', models.DateTimeField(blank=True, null=True, verbose_name='expires at')),
                        ('rows', models.PositiveIntegerField(default=0, verbose_name='rows')),
                        ('sha256', models.CharField(blank=True, max_length=64, verbose_name='file hash (SHA-256)')),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('k_anonymity', models.PositiveIntegerField(blank=True, null=True, verbose_name='smallest group (k)')),
                        ('unique_participants', models.PositiveIntegerField(blank=True, null=True, verbose_name='unique')),
                        ('suppressed_participants', models.PositiveIntegerField(blank=True, null=True, verbose_name='left out')),
                        ('k_threshold', models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='threshold (k)')),
                        ('generalisation', models.JSONField(blank=True, default=dict, verbose_name='generalisation')),
                        ('requested_by', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('project', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='exports', to='research.researchproject')),
                    ],
                    options={
                        'verbose_name': 'research export',
                        'verbose_name_plural': 'research exports',
                        'db_table': 'evaluation_researchexport',
                        'ordering': ['-requested_at', '-pk'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
