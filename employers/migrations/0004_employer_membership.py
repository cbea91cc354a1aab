# Issue 19: the link between an employer user and their employer moves from the core's user
# (vakwerk.User.employer) to this app. Rows are copied both ways, so nothing is lost.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def copy_to_memberships(apps, schema_editor):
    User = apps.get_model("vakwerk", "User")
    EmployerMembership = apps.get_model("employers", "EmployerMembership")
    EmployerMembership.objects.bulk_create(
        EmployerMembership(user_id=user_id, employer_id=employer_id)
        for user_id, employer_id in User.objects.filter(employer__isnull=False).values_list(
            "pk", "employer_id"
        )
    )


def copy_back_to_users(apps, schema_editor):
    User = apps.get_model("vakwerk", "User")
    EmployerMembership = apps.get_model("employers", "EmployerMembership")
    for user_id, employer_id in EmployerMembership.objects.values_list("user_id", "employer_id"):
        User.objects.filter(pk=user_id).update(employer_id=employer_id)


class Migration(migrations.Migration):
    dependencies = [
        ("employers", "0003_matching"),
        ("vakwerk", "0008_remove_employer_user_has_employer"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.CreateModel(
            name="EmployerMembership",
            fields=[
                (
                    "user",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="employer_membership",
                        serialize=False,
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="user",
                    ),
                ),
                (
                    "employer",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="memberships",
                        to="employers.employer",
                        verbose_name="employer",
                    ),
                ),
            ],
            options={
                "verbose_name": "employer membership",
                "verbose_name_plural": "employer memberships",
            },
        ),
        migrations.RunPython(copy_to_memberships, copy_back_to_users),
    ]
