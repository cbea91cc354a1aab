# The models of evaluation/questionnaires/ take over their tables from the evaluation app.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('evaluation', '0007_models_moved_to_sub_apps'),
        ('participants', '0008_network_measurement'),
        ('vakwerk', '0007_municipality_colour_readable'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    # The tables exist: evaluation's migrations made them, and db_table keeps their names.
    # Only Django's model state learns that the models now live in this app.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Questionnaire',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('title', models.CharField(max_length=200, verbose_name='title')),
                        ('audience', models.CharField(choices=[('stakeholders', 'Stakeholders'), ('consultants', 'Consultants'), ('participants', 'Participants')], max_length=20, verbose_name='for')),
                        ('wave', models.CharField(choices=[('baseline', 'Baseline'), ('final', 'Final')], max_length=10, verbose_name='wave')),
                        ('introduction', models.TextField(blank=True, verbose_name='introduction')),
                        ('closes_on', models.DateField(blank=True, null=True, verbose_name='closes on')),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='created')),
                        ('created_by', models.ForeignKey(null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questionnaires', to='vakwerk.programme', verbose_name='programme')),
                    ],
                    options={
                        'verbose_name': 'questionnaire',
                        'verbose_name_plural': 'questionnaires',
                        'db_table': 'evaluation_questionnaire',
                        'ordering': ['-created_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Question',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                        ('text', models.CharField(max_length=500, verbose_name='question')),
                        ('kind', models.CharField(choices=[('likert', 'Likert scale 1–5'), ('choice', 'Single choice'), ('number', 'Number'), ('text', 'Open text')], max_length=10, verbose_name='kind')),
                        ('choices', models.JSONField(blank=True, default=list, verbose_name='choices')),
                        ('required', models.BooleanField(default=True, verbose_name='required')),
                        ('questionnaire', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='questions', to='questionnaires.questionnaire')),
                    ],
                    options={
                        'verbose_name': 'question',
                        'verbose_name_plural': 'questions',
                        'db_table': 'evaluation_question',
                        'ordering': ['position', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Invitation',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('token_hash', models.CharField(max_length=64, unique=True)),
                        ('email', models.EmailField(max_length=254, verbose_name='e-mail address')),
                        ('sent_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='sent at')),
                        ('expires_at', models.DateTimeField(verbose_name='expires at')),
                        ('used_at', models.DateTimeField(blank=True, null=True, verbose_name='answered at')),
                        ('participant', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='participants.participant')),
                        ('user', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('questionnaire', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='invitations', to='questionnaires.questionnaire')),
                    ],
                    options={
                        'verbose_name': 'invitation',
                        'verbose_name_plural': 'invitations',
                        'db_table': 'evaluation_invitation',
                        'ordering': ['-sent_at', 'pk'],
                    },
                ),
                migrations.CreateModel(
                    name='Response',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('submitted_at', models.DateTimeField(default=django.utils.timezone.now, verbose_name='submitted at')),
                        ('invitation', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='response', to='questionnaires.invitation')),
                        ('questionnaire', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='responses', to='questionnaires.questionnaire')),
                    ],
                    options={
                        'verbose_name': 'response',
                        'verbose_name_plural': 'responses',
                        'db_table': 'evaluation_response',
                    },
                ),
                migrations.CreateModel(
                    name='Stakeholder',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('name', models.CharField(max_length=200, verbose_name='name')),
                        ('kind', models.CharField(choices=[('municipality', 'Municipality'), ('business', 'Business'), ('education', 'Educational institution'), ('agency', 'Employment agency')], max_length=20, verbose_name='kind')),
                        ('role', models.CharField(choices=[('information', 'Information'), ('influence', 'Influence'), ('intervention', 'Intervention')], max_length=20, verbose_name='role')),
                        ('steering_group', models.BooleanField(default=False, verbose_name='in the steering group')),
                        ('contact_name', models.CharField(blank=True, max_length=200, verbose_name='contact person')),
                        ('contact_email', models.EmailField(blank=True, max_length=254, verbose_name='e-mail address')),
                        ('programme', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='stakeholders', to='vakwerk.programme', verbose_name='programme')),
                    ],
                    options={
                        'verbose_name': 'stakeholder',
                        'verbose_name_plural': 'stakeholders',
                        'db_table': 'evaluation_stakeholder',
                        'ordering': ['-steering_group', 'name', 'pk'],
                    },
                ),
                migrations.AddField(
                    model_name='invitation',
                    name='stakeholder',
                    field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='questionnaires.stakeholder'),
                ),
                migrations.CreateModel(
                    name='Answer',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('number', models.DecimalField(blank=True, decimal_places=2, max_digits=12, null=True)),
                        ('choice', models.CharField(blank=True, max_length=200)),
                        ('text', models.TextField(blank=True)),
                        ('question', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='questionnaires.question')),
                        ('response', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='answers', to='questionnaires.response')),
                    ],
                    options={
                        'verbose_name': 'answer',
                        'verbose_name_plural': 'answers',
                        'db_table': 'evaluation_answer',
                        'constraints': [models.UniqueConstraint(fields=('response', 'question'), name='unique_answer')],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
