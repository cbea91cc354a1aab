# The models of evaluation/dashboards/ take over their tables from the evaluation app.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('evaluation', '0007_models_moved_to_sub_apps'),
        ('questionnaires', '0001_initial'),
        ('vakwerk', '0007_municipality_colour_readable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist: evaluation's migrations made them, and db_table keeps their names.
    # Only Django's model state learns that the models now live in this app.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='EvaluationAction',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('description', models.CharField(max_length=500, verbose_name='action')),
                        ('who', models.CharField(blank=True, max_length=200, verbose_name='who')),
                        ('status', models.CharField(choices=[('open', 'Open'), ('done', 'Done')], default='open', max_length=10, verbose_name='status')),
                    ],
                    options={
                        'verbose_name': 'action for the next programme',
                        'verbose_name_plural': 'actions for the next programme',
                        'db_table': 'evaluation_evaluationaction',
                        'ordering': ['pk'],
                    },
                ),
                migrations.CreateModel(
                    name='EvaluationSession',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('phase', models.CharField(choices=[('preparation', 'Preparation'), ('research', 'Research'), ('development', 'Development'), ('execution', 'Execution'), ('evaluation', 'Evaluation')], max_length=20, verbose_name='phase')),
                        ('held_on', models.DateField(verbose_name='date')),
                        ('findings', models.TextField(blank=True, verbose_name='findings')),
                        ('bottlenecks', models.TextField(blank=True, verbose_name='bottlenecks')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                    ],
                    options={
                        'verbose_name': 'evaluation session',
                        'verbose_name_plural': 'evaluation sessions',
                        'db_table': 'evaluation_evaluationsession',
                        'ordering': ['held_on', 'pk'],
                    },
                ),
                migrations.AddField(
                    model_name='evaluationsession',
                    name='attendees',
                    field=models.ManyToManyField(blank=True, related_name='evaluation_sessions', to='questionnaires.stakeholder', verbose_name='attendees'),
                ),
                migrations.AddField(
                    model_name='evaluationsession',
                    name='created_by',
                    field=models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL),
                ),
                migrations.AddField(
                    model_name='evaluationsession',
                    name='programme',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='evaluation_sessions', to='vakwerk.programme', verbose_name='programme'),
                ),
                migrations.AddField(
                    model_name='evaluationaction',
                    name='session',
                    field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='actions', to='dashboards.evaluationsession'),
                ),
            ],
            database_operations=[],
        ),
    ]
