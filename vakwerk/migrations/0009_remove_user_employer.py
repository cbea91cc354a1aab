# Issue 19: the employer link now lives in employers.EmployerMembership (employers 0004 copied
# it there); the core's user no longer names the employers app.

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("vakwerk", "0008_remove_employer_user_has_employer"),
        ("employers", "0004_employer_membership"),
    ]

    operations = [
        migrations.RemoveField(
            model_name="user",
            name="employer",
        ),
    ]
