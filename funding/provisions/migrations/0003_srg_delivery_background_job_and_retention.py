"""SrgDelivery becomes a background job (vakwerk.jobs): a row is the request, built by a
worker. Every delivery that existed was built in its request, so it becomes `done`, its
requested/queued/started/finished times its build time. Its file stays until the retention
run (file_removed_at) removes it."""

import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


def existing_deliveries_are_done(apps, schema_editor):
    SrgDelivery = apps.get_model("provisions", "SrgDelivery")
    SrgDelivery.objects.update(
        status="done",
        progress=100,
        attempts=1,
        requested_at=models.F("built_at"),
        queued_at=models.F("built_at"),
        sent_at=models.F("built_at"),
        started_at=models.F("built_at"),
        finished_at=models.F("built_at"),
    )


class Migration(migrations.Migration):

    dependencies = [
        ('provisions', '0002_seed_provision_kinds'),
        ('vakwerk', '0009_remove_user_employer'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AlterModelOptions(
            name='srgdelivery',
            options={'ordering': ['-month', models.OrderBy(models.F('version'), descending=True, nulls_first=True), '-pk'], 'verbose_name': 'SRG delivery', 'verbose_name_plural': 'SRG deliveries'},
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='attempts',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='attempts'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='error',
            field=models.TextField(blank=True, verbose_name='error'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='failure',
            field=models.CharField(blank=True, choices=[('error', 'An unexpected error occurred. The details are in the server log.'), ('time_limit', 'It took longer than allowed and was stopped.'), ('storage', 'The file could not be stored (the disk may be full).'), ('worker_lost', 'The worker stopped several times while making it.'), ('project_ended', 'The research project has ended.'), ('not_allowed', 'The requester is no longer a researcher of the project.')], max_length=20, verbose_name='reason of failure'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='file_removed_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='file removed at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='finished_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='finished at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='heartbeat_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='last sign of life'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='progress',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='progress (%)'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='queued_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='queued at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='requested_at',
            field=models.DateTimeField(default=django.utils.timezone.now, verbose_name='requested at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='resends',
            field=models.PositiveSmallIntegerField(default=0, verbose_name='sent again'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='sent_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='sent to the queue at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='started_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='started at'),
        ),
        migrations.AddField(
            model_name='srgdelivery',
            name='status',
            field=models.CharField(choices=[('queued', 'Queued'), ('running', 'Running'), ('done', 'Done'), ('failed', 'Failed')], default='queued', max_length=10, verbose_name='status'),
        ),
        migrations.AlterField(
            model_name='srgdelivery',
            name='built_at',
            field=models.DateTimeField(blank=True, null=True, verbose_name='built at'),
        ),
        migrations.AlterField(
            model_name='srgdelivery',
            name='version',
            field=models.PositiveSmallIntegerField(blank=True, null=True, verbose_name='version'),
        ),
        migrations.RunPython(existing_deliveries_are_done, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name='srgdelivery',
            constraint=models.CheckConstraint(condition=models.Q(models.Q(('status', 'done'), _negated=True), ('version__isnull', False), _connector='OR'), name='srg_done_has_version'),
        ),
    ]
