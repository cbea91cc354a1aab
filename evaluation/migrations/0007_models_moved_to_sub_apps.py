# Evaluation's models moved to the apps in its folder (dashboards, questionnaires, reports,
# research), tables and rows included.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0006_disclosure_control'),
    ]

    # The tables stay, with their rows: the apps' own 0001 migrations take them over in the
    # model state (db_table), so this only removes the models from evaluation's state.
    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(
                    model_name='evaluationaction',
                    name='session',
                ),
                migrations.RemoveField(
                    model_name='evaluationsession',
                    name='attendees',
                ),
                migrations.RemoveField(
                    model_name='evaluationsession',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='evaluationsession',
                    name='programme',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='participant',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='questionnaire',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='stakeholder',
                ),
                migrations.RemoveField(
                    model_name='invitation',
                    name='user',
                ),
                migrations.RemoveField(
                    model_name='response',
                    name='invitation',
                ),
                migrations.RemoveField(
                    model_name='question',
                    name='questionnaire',
                ),
                migrations.RemoveField(
                    model_name='questionnaire',
                    name='created_by',
                ),
                migrations.RemoveField(
                    model_name='questionnaire',
                    name='programme',
                ),
                migrations.RemoveField(
                    model_name='response',
                    name='questionnaire',
                ),
                migrations.RemoveField(
                    model_name='report',
                    name='programme',
                ),
                migrations.RemoveField(
                    model_name='report',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='researchexport',
                    name='project',
                ),
                migrations.RemoveField(
                    model_name='researchexport',
                    name='requested_by',
                ),
                migrations.RemoveField(
                    model_name='researchproject',
                    name='municipality',
                ),
                migrations.RemoveField(
                    model_name='researchproject',
                    name='programmes',
                ),
                migrations.RemoveField(
                    model_name='researchproject',
                    name='researchers',
                ),
                migrations.RemoveField(
                    model_name='stakeholder',
                    name='programme',
                ),
                migrations.DeleteModel(
                    name='Answer',
                ),
                migrations.DeleteModel(
                    name='EvaluationAction',
                ),
                migrations.DeleteModel(
                    name='EvaluationSession',
                ),
                migrations.DeleteModel(
                    name='Invitation',
                ),
                migrations.DeleteModel(
                    name='Question',
                ),
                migrations.DeleteModel(
                    name='Questionnaire',
                ),
                migrations.DeleteModel(
                    name='Response',
                ),
                migrations.DeleteModel(
                    name='Report',
                ),
                migrations.DeleteModel(
                    name='ResearchExport',
                ),
                migrations.DeleteModel(
                    name='ResearchProject',
                ),
                migrations.DeleteModel(
                    name='Stakeholder',
                ),
            ],
            database_operations=[],
        ),
    ]
