import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0005_evaluation_sessions"),
    ]

    operations = [
        migrations.AddField(
            model_name="researchproject",
            name="k_threshold",
            field=models.PositiveSmallIntegerField(
                default=5,
                help_text=(
                    "Every combination of quasi-identifiers in an export is shared by at least "
                    "this many participants. 5 unless the agreement says otherwise."
                ),
                validators=[django.core.validators.MinValueValidator(1)],
                verbose_name="smallest group in an export (k)",
            ),
        ),
        migrations.AddField(
            model_name="researchproject",
            name="detail_allowed",
            field=models.JSONField(
                blank=True,
                default=list,
                verbose_name="quasi-identifiers in full detail (per the agreement)",
            ),
        ),
        migrations.AddField(
            model_name="researchexport",
            name="k_anonymity",
            field=models.PositiveIntegerField(
                blank=True, null=True, verbose_name="smallest group (k)"
            ),
        ),
        migrations.AddField(
            model_name="researchexport",
            name="unique_participants",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="unique"),
        ),
        migrations.AddField(
            model_name="researchexport",
            name="suppressed_participants",
            field=models.PositiveIntegerField(blank=True, null=True, verbose_name="left out"),
        ),
        migrations.AddField(
            model_name="researchexport",
            name="k_threshold",
            field=models.PositiveSmallIntegerField(
                blank=True, null=True, verbose_name="threshold (k)"
            ),
        ),
        migrations.AddField(
            model_name="researchexport",
            name="generalisation",
            field=models.JSONField(blank=True, default=dict, verbose_name="generalisation"),
        ),
    ]
