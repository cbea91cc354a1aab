# Issue 19: the core knows no domain app. First the check that spans the employer link goes,
# so that the employers app can take the link over (employers 0004) before the field goes
# (0009); backwards, the field is back and filled before the check returns.

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("vakwerk", "0007_municipality_colour_readable"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="user",
            name="employer_user_has_employer",
        ),
    ]
