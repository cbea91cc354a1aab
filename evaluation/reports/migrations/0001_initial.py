# The models of evaluation/reports/ take over their tables from the evaluation app.

import django.db.models.deletion
import django.utils.timezone
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
                    name='Report',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('queued_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at')),
                        ('sent_at', models.DateTimeField(blank=True, null=True, verbose_name='sent to the queue at')),
                        ('resends', models.PositiveSmallIntegerField(default=0, verbose_name='sent again')),
                        ('attempts', models.PositiveSmallIntegerField(default=0, verbose_name='attempts')),
                        ('started_at', models.DateTimeField(blank=True, null=True, verbose_name='started at')),
                        ('heartbeat_at', models.DateTimeField(blank=True, null=True, verbose_name='last sign of life')),
                        ('failure', models.CharField(blank=True, choices=[('error', 'An unexpected error occurred. The details are in the server log.'), ('time_limit', 'It took longer than allowed and was stopped.'), ('storage', 'The file could not be stored (the disk may be full).'), ('worker_lost', 'The worker stopped several times while making it.'), ('project_ended', 'The research project has ended.'), ('not_allowed', 'The requester is no longer a researcher of the project.')], max_length=20, verbose_name='reason of failure')),
                        ('kind', models.CharField(choices=[('monitoring', 'Monitoring report'), ('savings', 'Savings report')], max_length=20, verbose_name='kind')),
                        ('period_start', models.DateField(blank=True, null=True, verbose_name='period from')),
                        ('period_end', models.DateField(blank=True, null=True, verbose_name='period until')),
                        ('status', models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status')),
                        ('progress', models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)')),
                        ('requested_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at')),
                        ('finished_at', models.DateTimeField(blank=True, null=True, verbose_name='finished at')),
                        ('file_name', models.CharField(blank=True, max_length=200)),
                        ('error', models.TextField(blank=True, verbose_name='error')),
                        ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reports', to='vakwerk.programme', verbose_name='programme')),
                        ('requested_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        'verbose_name': 'report',
                        'verbose_name_plural': 'reports',
                        'db_table': 'evaluation_report',
                        'ordering': ['-requested_at', '-pk'],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
