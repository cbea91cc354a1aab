# The content types of the moved models follow them to their new apps, so that permissions,
# admin log entries and anything else keyed by content type keep pointing at the same rows.

from django.db import migrations

MOVED = {
    "questionnaires": [
        "stakeholder", "questionnaire", "question", "invitation", "response", "answer",
    ],
    "dashboards": ["evaluationsession", "evaluationaction"],
    "reports": ["report"],
    "research": ["researchproject", "researchexport"],
}


def _relabel(apps, to_sub_apps):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for app_label, models in MOVED.items():
        source, target = ("evaluation", app_label) if to_sub_apps else (app_label, "evaluation")
        for model in models:
            # A row under the new label exists only if something made it before this ran;
            # then the old row is left as it is rather than merged.
            if ContentType.objects.filter(app_label=target, model=model).exists():
                continue
            ContentType.objects.filter(app_label=source, model=model).update(app_label=target)


def forwards(apps, schema_editor):
    _relabel(apps, to_sub_apps=True)


def backwards(apps, schema_editor):
    _relabel(apps, to_sub_apps=False)


class Migration(migrations.Migration):

    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("evaluation", "0007_models_moved_to_sub_apps"),
        ("dashboards", "0001_initial"),
        ("questionnaires", "0001_initial"),
        ("reports", "0001_initial"),
        ("research", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, backwards)]
