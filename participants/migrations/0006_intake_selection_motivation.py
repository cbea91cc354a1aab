from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("participants", "0005_talent_profile_page"),
    ]

    operations = [
        migrations.AddField(
            model_name="intake",
            name="selection_motivation",
            field=models.TextField(
                blank=True,
                db_default="",
                default="",
                help_text="Why this participant is (or is not) selected for the programme.",
                verbose_name="selection motivation",
            ),
        ),
    ]
