import subprocess
from gettext import GNUTranslations
from pathlib import Path

from django.apps import apps
from django.contrib import admin

ROOT = Path(__file__).resolve().parents[2]
OUR_APPS = {
    "vakwerk",
    "participants",
    "consultants",
    "employers",
    "funding",
    "evaluation",
    "dashboards",
    "questionnaires",
    "reports",
    "research",
}  # evaluation's parts are apps of their own


def test_every_model_of_ours_is_in_the_django_admin():
    ours = [m for m in apps.get_models() if m._meta.app_label in OUR_APPS]
    assert ours
    missing = [m.__name__ for m in ours if not admin.site.is_registered(m)]
    assert missing == []


def test_dutch_catalogue_is_complete_and_its_compiled_file_up_to_date(tmp_path):
    po = ROOT / "locale" / "nl" / "LC_MESSAGES" / "django.po"
    fresh = tmp_path / "django.mo"
    result = subprocess.run(
        ["msgfmt", "--check", "--statistics", "-o", str(fresh), str(po)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert "untranslated" not in result.stderr, result.stderr
    assert "fuzzy" not in result.stderr, result.stderr
    with fresh.open("rb") as new, po.with_suffix(".mo").open("rb") as committed:
        assert GNUTranslations(committed)._catalog == GNUTranslations(new)._catalog, (
            "run `make messages` and commit locale/"
        )
