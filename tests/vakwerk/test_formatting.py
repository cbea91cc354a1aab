"""The one formatting layer (issue 17, found 7): dates, weeks, numbers and money in the
user's language; the audit trail in words of that language; Dutch download names."""

import csv
import datetime
import io
import pathlib
import re
from decimal import Decimal

import pytest
import time_machine
from django.apps import apps
from django.conf import settings
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import translation
from django.utils.translation import trans_real

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from tests.funding.factories import funded
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import audit_text, audit_views, formatting
from vakwerk.models import AuditAction, AuditEntry, JobStatus
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC)  # a Monday, ISO week 49
PROJECT_APPS = {"vakwerk", "participants", "consultants", "employers", "funding", "evaluation"}
# The app labels of the models: evaluation's parts (folders inside evaluation/) are apps.
MODEL_APPS = PROJECT_APPS | {"dashboards", "questionnaires", "reports", "research"}


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=False):
        yield


def in_language(client, language):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language


# The layer itself


@pytest.mark.parametrize(
    "language, expected",
    [
        (
            "nl",
            ["€ 14.783,00", "€ -50,00", "€ 0,01", "1.016", "2,5", "12,5%",
             "7 maart 2025", "7 maart 2025 14:05", "7 maart 2025 14:05:09", "week 38, 2026"],
        ),
        (
            "en",
            ["€14,783.00", "-€50.00", "€0.01", "1,016", "2.5", "12.5%",
             "7 March 2025", "7 March 2025 14:05", "7 March 2025 14:05:09", "week 38, 2026"],
        ),
    ],
)  # fmt: skip
def test_each_kind_of_value_in_each_language(language, expected):
    # 14:05:09 in Amsterdam (winter time) is 13:05:09 UTC.
    at = datetime.datetime(2025, 3, 7, 13, 5, 9, tzinfo=datetime.UTC)
    with translation.override(language):
        shown = [
            formatting.money(Decimal("14783")),
            formatting.money(Decimal("-50")),
            formatting.money("0.005"),  # half up, never through a float
            formatting.number(1016),
            formatting.number(Decimal("2.5")),
            formatting.percent(Decimal("0.125")),
            formatting.date(datetime.date(2025, 3, 7)),
            formatting.date_time(at),
            formatting.date_time(at, seconds=True),
            formatting.week(datetime.date(2026, 9, 14)),
        ]
    assert shown == expected


def test_a_day_worded_once_is_worded_again_in_another_language():
    """formatting.date keeps each day's words per language: the same day in Dutch, then
    English, then Dutch again."""
    day = datetime.date(2025, 3, 7)
    shown = []
    for language in ("nl", "en", "nl"):
        with translation.override(language):
            shown.append(formatting.date(day))
    assert shown == ["7 maart 2025", "7 March 2025", "7 maart 2025"]


def test_no_template_writes_a_date_format_of_its_own():
    """Dates in templates go through the language's named formats, so a Dutch page never
    says "7 Mrt 2025" beside "30 november 2026"."""
    root = pathlib.Path(settings.BASE_DIR)
    named = {"DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATE_FORMAT", "YEAR_MONTH_FORMAT",
             "MONTH_DAY_FORMAT", "TIME_FORMAT", "c", "Y-m-d"}  # fmt: skip
    own = []
    for path in root.glob("**/templates/**/*.html"):
        if ".venv" in path.parts:
            continue
        for fmt in re.findall(r"\|date:[\"']([^\"']*)[\"']", path.read_text()):
            if fmt not in named:
                own.append(f"{path.relative_to(root)}: {fmt}")
    assert own == []


# Pages in both languages


@pytest.mark.parametrize(
    "language, date, week, amount",
    [
        ("nl", "30 november 2026", "week 49, 2026", "€ 14.783,00"),
        ("en", "30 November 2026", "week 49, 2026", "€14,783.00"),
    ],
)
def test_the_dashboard_shows_dates_weeks_and_amounts_in_the_users_language(
    client, make_user, municipality, language, date, week, amount
):
    manager = make_user(Role.MANAGER)
    ProgrammeFactory(municipality=municipality)
    funded(manager, "14783.00")
    client.force_login(manager)
    in_language(client, language)

    page = client.get(reverse("evaluation:dashboard")).content.decode()

    assert date in page
    assert week in page and "2026-W49" not in page
    assert amount in page
    other = "€14,783.00" if language == "nl" else "€ 14.783,00"
    assert other not in page


@pytest.mark.parametrize(
    "language, when, what",
    [
        ("nl", "1 maart 2026 10:00:00", "onderzoeksexport CSV (zip met codeboek), 1.016 rijen"),
        ("en", "1 March 2026 10:00:00", "research export CSV (zip with codebook), 1,016 rows"),
    ],
)
def test_the_audit_page_shows_time_number_and_what_in_the_users_language(
    client, make_user, language, when, what
):
    manager = make_user(Role.MANAGER)
    AuditEntry.objects.create(
        user=manager, user_email=manager.email, role=manager.role,
        municipality_id=manager.municipality_id, action=AuditAction.EXPORT,
        at=datetime.datetime(2026, 3, 1, 9, tzinfo=datetime.UTC),
        detail="research export csv, 1016 rows",
    )  # fmt: skip
    client.force_login(manager)
    in_language(client, language)

    page = client.get(reverse("audit_list")).content.decode()

    assert when in page and "2026-03-01 10:00:00" not in page
    assert what in page


# The audit trail in Dutch, every action and object kind


def dutch_catalogue():
    return trans_real.translation("nl")._catalog


def english(label):
    with translation.override("en"):
        return str(label)


def dutch(label):
    with translation.override("nl"):
        return str(label)


def project_models():
    return [m for m in apps.get_models() if m._meta.app_label in MODEL_APPS]


def test_every_action_and_object_kind_has_a_dutch_name():
    catalogue = dutch_catalogue()
    untranslated = [english(label) for _value, label in AuditAction.choices]
    untranslated += [english(m._meta.verbose_name) for m in project_models()]
    untranslated += [english(m._meta.verbose_name_plural) for m in project_models()]
    assert [text for text in untranslated if text not in catalogue] == []


def test_every_stored_detail_key_of_the_code_has_words_in_both_languages():
    """Every detail the code writes as a literal is one audit_text knows and translates;
    a new key without words fails here."""
    root = pathlib.Path(settings.BASE_DIR)
    literal = re.compile(r"""(?:\bdetail=|"detail":\s*)"([^"{}]+)"\s*[,)\n]""")
    unknown = []
    for app in PROJECT_APPS:
        for path in (root / app).rglob("*.py"):
            if path.name == "personal_data.py":  # describes the column, writes no entry
                continue
            for detail in literal.findall(path.read_text()):
                if not audit_text.is_known(detail):
                    unknown.append(f"{path.relative_to(root)}: {detail}")
    assert unknown == []
    catalogue = dutch_catalogue()
    for key, text in audit_text.fixed_keys().items():
        assert f"audit\x04{english(text)}" in catalogue, key


def test_each_app_brings_the_words_of_its_own_audit_keys():
    """The core names no domain model to word a key: the apps register their keys, so a
    key reads the same whichever app's module holds it, and the core's files hold no
    domain model's name."""
    domain_labels = {
        config.label
        for config in apps.get_app_configs()
        if config.name.split(".")[0] in PROJECT_APPS - {"vakwerk"}
    }
    labels = "|".join(sorted(domain_labels))
    named = re.compile(rf"""["']({labels})\.[A-Z]\w+["']""")
    core = pathlib.Path(settings.BASE_DIR) / "vakwerk"
    # Settings, URLs and the Celery schedule are where the project is put together; the demo
    # app is dev-only and sits above every domain app.
    composition = {"settings", "demo", "migrations", "urls.py", "celery.py"}
    offenders = [
        f"{path.relative_to(core)}: {found.group(0)}"
        for path in core.rglob("*.py")
        if not composition & set(path.relative_to(core).parts)
        for found in named.finditer(path.read_text())
    ]
    assert offenders == []
    with translation.override("nl"):
        # Keys whose words live in research, employers, dashboards and participants.
        assert (
            audit_text.describe("research export csv") == "onderzoeksexport CSV (zip met codeboek)"
        )
        assert audit_text.describe("match hired") == "match: Aangenomen"
        assert audit_text.describe("evaluation session: research; actions +1 ~0 -0") == (
            "evaluatiesessie: Onderzoek; acties: 1 nieuw, 0 gewijzigd, 0 verwijderd"
        )
        assert audit_text.describe("first_name", "participant") == "voornaam"


@pytest.mark.parametrize(
    "stored, shown",
    [
        ("page", "pagina"),
        ("case notes", "gespreksaantekeningen"),
        ("talent profile", "talentprofiel"),
        ("research export csv, 1016 rows", "onderzoeksexport CSV (zip met codeboek), 1.016 rijen"),
        ("savings report requested", "Besparingsrapportage aangevraagd"),
        ("match hired", "match: Aangenomen"),
        ("consultant → manager", "Consulent → Manager"),
        ("import preview: 12 rows, 3 already registered",
         "voorbeeld van de import: 12 rijen, 3 al ingeschreven"),
        ("admin list participant", "Django-beheer, lijst: deelnemers"),
        ("savings assumptions version 3", "besparingsaannames versie 3"),
    ],
)  # fmt: skip
def test_stored_keys_read_as_dutch_words(stored, shown):
    with translation.override("nl"):
        assert audit_text.describe(stored) == shown


@pytest.fixture
def every_kind(make_user):
    """One entry per action and one per object kind of the project's models."""
    manager = make_user(Role.MANAGER)
    common = {
        "user": manager, "user_email": manager.email, "role": manager.role,
        "municipality_id": manager.municipality_id, "detail": "case notes",
    }  # fmt: skip
    for value, _label in AuditAction.choices:
        AuditEntry.objects.create(action=value, **common)
    for model in project_models():
        AuditEntry.objects.create(
            action=AuditAction.VIEW, object_type=model._meta.model_name, object_id="7", **common
        )
    return manager


def test_the_audit_page_shows_dutch_words_for_every_action_and_object_kind(
    client, every_kind, monkeypatch
):
    monkeypatch.setattr(audit_views, "PAGE_SIZE", 1000)  # every entry on one page
    client.force_login(every_kind)
    page = client.get(reverse("audit_list")).content.decode()

    for _value, label in AuditAction.choices:
        assert f"<td>{dutch(label)}</td>" in page
    for model in project_models():
        assert f"<td>{dutch(model._meta.verbose_name)} 7</td>" in page
    assert "case notes" not in page and "gespreksaantekeningen" in page


def test_the_audit_csv_has_dutch_words_for_every_action_and_object_kind(client, every_kind):
    client.force_login(every_kind)
    in_language(client, "en")  # the CSV is Dutch whatever the screen's language
    response = client.get(reverse("audit_export"))
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    _header, *rows = list(csv.reader(io.StringIO(body), delimiter=";"))

    actions = {row[3] for row in rows}
    objects = {row[4] for row in rows}
    assert {dutch(label) for _value, label in AuditAction.choices} <= actions
    assert {dutch(m._meta.verbose_name) for m in project_models()} <= objects
    # The export records itself before it is written.
    assert {row[7] for row in rows if row[7]} == {
        "gespreksaantekeningen",
        "export van de audittrail",
    }
    # For Excel: a sortable local time, not words.
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", row[0]) for row in rows)


# Dutch file names


@pytest.mark.parametrize(
    "kind, prefix",
    [(ReportKind.SAVINGS, "besparingen-"), (ReportKind.MONITORING, "monitoringsrapportage-")],
)
def test_a_report_downloads_under_a_dutch_name(client, make_user, municipality, kind, prefix):
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(municipality=municipality, name="VAK Zwolle")
    report = Report.objects.create(
        programme=programme, kind=kind, status=JobStatus.DONE, requested_by=manager,
        finished_at=NOW,
    )  # fmt: skip
    report.file_name = reports.file_name_for(report)
    report.save()
    reports.private_storage().save(report.file_name, ContentFile(b"%PDF-1.7"))
    client.force_login(manager)
    in_language(client, "en")

    response = client.get(reverse("evaluation:report_download", args=[report.pk]))

    assert response.status_code == 200
    assert f'filename="{prefix}vak-zwolle-2026-11-30.pdf"' in response["Content-Disposition"]


@pytest.mark.parametrize(
    ("language", "expected"),
    [("nl", "1.234,6 · 1.234,567 · geen"), ("en", "1,234.6 · 1,234.567 · geen")],
)
def test_template_filters_take_their_argument_and_leave_odd_values_alone(language, expected):
    from django.template import engines

    template = engines["django"].from_string(
        "{{ v|number:1 }} · {{ v|number }} · {{ w|number:1 }}"
    )
    with translation.override(language):
        assert template.render({"v": Decimal("1234.567"), "w": "geen"}) == expected
