import django.core.validators
import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0007_participant_training"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="NetworkMeasurement",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                (
                    "moment",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (0, "Intake"),
                            (3, "3 months"),
                            (6, "6 months"),
                            (12, "12 months"),
                            (18, "18 months"),
                        ],
                        verbose_name="moment",
                    ),
                ),
                ("measured_on", models.DateField(verbose_name="measured on")),
                (
                    "work_contacts",
                    models.PositiveSmallIntegerField(
                        help_text="People the participant knows who could help them towards work.",
                        validators=[django.core.validators.MaxValueValidator(200)],
                        verbose_name="work-relevant contacts",
                    ),
                ),
                (
                    "employer_contacts",
                    models.PositiveSmallIntegerField(
                        validators=[django.core.validators.MaxValueValidator(100)],
                        verbose_name="employers contacted in the last three months",
                    ),
                ),
                (
                    "self_rating",
                    models.PositiveSmallIntegerField(
                        choices=[
                            (1, "1 · Strongly disagree"),
                            (2, "2 · Disagree"),
                            (3, "3 · Neither agree nor disagree"),
                            (4, "4 · Agree"),
                            (5, "5 · Strongly agree"),
                        ],
                        verbose_name="“I know whom to ask to help me find work”",
                    ),
                ),
                (
                    "participant",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="network_measurements",
                        to="participants.participant",
                    ),
                ),
                (
                    "recorded_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                    ),
                ),
            ],
            options={
                "verbose_name": "network measurement",
                "verbose_name_plural": "network measurements",
                "ordering": ["moment", "pk"],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("participant", "moment"), name="unique_network_measurement"
                    ),
                    models.CheckConstraint(
                        condition=models.Q(("self_rating__gte", 1), ("self_rating__lte", 5)),
                        name="network_self_rating_1_to_5",
                    ),
                ],
            },
        ),
    ]
