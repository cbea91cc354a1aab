"""Issue 16, build 5: evaluation sessions with stakeholders per programme phase (the plan's
"verloop en knelpunten"): the manager's form with Dutch errors and one row per POST, the
sessions and open actions on the programme page for every role that opens it, scoping, a
query count that does not grow with the sessions, the monitoring PDF's section, and the
demo's sessions."""

import datetime
import re
import subprocess

import pytest
import time_machine
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from evaluation.dashboards import programme_evaluation
from evaluation.dashboards.models import ActionStatus, EvaluationAction, EvaluationSession
from evaluation.dashboards.programme_evaluation import ActionInput
from evaluation.questionnaires import services as questionnaire_services
from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import audit_text, idempotency
from vakwerk.models import AuditAction, AuditEntry, JobStatus, Phase, Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 30, 11, 0, tzinfo=datetime.UTC)
BOTTLENECK = "Leerwerkplaatsen in de zorg komen pas laat beschikbaar."
ACTION = "Leerwerkplaatsen vastleggen vóór de start van de groepen"


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(NOW, tick=True):
        yield


def nl(text, **params):
    with translation.override("nl"):
        message = translation.gettext(text)
    return message % params if params else message


@pytest.fixture
def programme(municipality):
    # ProgrammeFactory: 5 January 2026 up to and including 30 June 2027.
    return ProgrammeFactory(municipality=municipality, name="VAK Testdorp")


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def stakeholder(user, programme, name):
    return questionnaire_services.save_stakeholder(
        user, programme, name=name, kind="business", role="influence"
    )


@pytest.fixture
def attendees(manager, programme):
    return [stakeholder(manager, programme, name) for name in ("Windesheim", "Zorggroep")]


def create_url(programme):
    return reverse("evaluation:evaluation_session_create", args=[programme.pk])


def edit_url(session):
    return reverse("evaluation:evaluation_session_edit", args=[session.programme_id, session.pk])


def page_url(programme):
    return reverse("programme_detail", args=[programme.pk])


def form_data(attendees=(), **changes):
    data = {
        "phase": Phase.EXECUTION,
        "held_on": "2026-10-12",
        "attendees": [str(getattr(s, "pk", s)) for s in attendees],
        "findings": "Werkgevers waarderen de voorselectie.",
        "bottlenecks": BOTTLENECK,
        "actions-TOTAL_FORMS": "3",
        "actions-INITIAL_FORMS": "0",
        "actions-MIN_NUM_FORMS": "0",
        "actions-MAX_NUM_FORMS": "20",
        "actions-0-description": ACTION,
        "actions-0-who": "WSP",
        "actions-0-status": "open",
        "actions-1-status": "open",
        "actions-2-status": "open",
    }
    data.update(changes)
    return data


def form_key(client, target):
    html = client.get(target).content.decode()
    marker = f'name="{idempotency.FIELD_NAME}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def record(user, programme, attendees=(), phase=Phase.EXECUTION, day=datetime.date(2026, 10, 12),
           actions=((ACTION, "WSP", ActionStatus.OPEN),), bottlenecks=BOTTLENECK):  # fmt: skip
    return programme_evaluation.save_session(
        user,
        programme,
        phase=phase,
        held_on=day,
        attendees=attendees,
        findings="Bevinding",
        bottlenecks=bottlenecks,
        actions=[ActionInput(description=d, who=w, status=s) for d, w, s in actions],
    )


# --- The manager's form ------------------------------------------------------------------------


def test_a_manager_records_a_session_and_it_shows_on_the_programme_page(
    client, manager, programme, attendees
):
    client.force_login(manager)
    # A row with only its status changed holds no action: it is left out, as empty rows are.
    response = client.post(
        create_url(programme), form_data(attendees, **{"actions-1-status": "done"})
    )
    assert response.status_code == 302
    assert response["Location"] == f"{page_url(programme)}#evaluation"
    session = EvaluationSession.objects.get(programme=programme)
    assert (session.phase, session.held_on) == (Phase.EXECUTION, datetime.date(2026, 10, 12))
    assert set(session.attendees.all()) == set(attendees)
    assert session.bottlenecks == BOTTLENECK
    # The empty rows are left out.
    assert [(a.description, a.who, a.status) for a in session.actions.all()] == [
        (ACTION, "WSP", ActionStatus.OPEN)
    ]
    entry = AuditEntry.objects.get(object_type="evaluationsession")
    assert (entry.action, entry.object_id, entry.user) == (
        AuditAction.CREATE,
        str(session.pk),
        manager,
    )
    assert entry.municipality_id == programme.municipality_id
    # The audit page reads the stored key as Dutch words.
    with translation.override("nl"):
        assert audit_text.describe(entry.detail) == (
            "evaluatiesessie: Uitvoering; acties: 1 nieuw, 0 gewijzigd, 0 verwijderd"
        )

    page = client.get(page_url(programme)).content.decode()
    assert "Evaluatie en knelpunten" in page
    assert 'data-testid="evaluation-phase-execution"' in page
    assert BOTTLENECK in page and "Windesheim; Zorggroep" in page
    assert f'data-testid="open-action-{session.actions.get().pk}"' in page


def test_editing_a_session_changes_and_removes_actions_and_is_audited(
    client, manager, programme, attendees
):
    two = [(ACTION, "WSP", "open"), ("Rijbewijs-B-traject", "", "open")]
    session = record(manager, programme, attendees[:1], actions=two)
    first, second = session.actions.order_by("pk")
    client.force_login(manager)
    data = form_data(
        attendees[1:],
        **{
            "actions-TOTAL_FORMS": "3",
            "actions-INITIAL_FORMS": "2",
            "actions-0-id": str(first.pk),
            "actions-0-status": "done",
            "actions-1-id": str(second.pk),
            "actions-1-description": "Rijbewijs-B-traject",
            "actions-1-status": "open",
            "actions-1-DELETE": "on",
        },
    )
    response = client.post(edit_url(session), data)
    assert response.status_code == 302
    assert list(session.attendees.all()) == attendees[1:]
    assert [(a.pk, a.status) for a in session.actions.all()] == [(first.pk, ActionStatus.DONE)]
    entry = AuditEntry.objects.filter(object_type="evaluationsession").order_by("pk").last()
    assert entry.action == AuditAction.UPDATE
    assert "+0 ~1 -1" in entry.detail
    # A done action is no longer open for the next programme.
    page = client.get(page_url(programme)).content.decode()
    assert "Geen open acties." in page


@pytest.mark.parametrize(
    ("held_on", "message"),
    [
        # Before the programme started, and after it ended.
        ("2025-12-31", "Een evaluatiesessie van dit programma valt binnen de looptijd: van "
                       "5 januari 2026 tot en met 30 juni 2027."),
        ("2027-07-01", "Een evaluatiesessie van dit programma valt binnen de looptijd: van "
                       "5 januari 2026 tot en met 30 juni 2027."),
        # Far ahead: no meeting is planned years ahead, whatever the programme says.
        ("2035-01-01", "Vul een datum in van 30 november 2016 tot en met 30 november 2027."),
        ("9999-12-31", "Vul een datum in van 30 november 2016 tot en met 30 november 2027."),
    ],
)  # fmt: skip
def test_a_date_outside_the_programme_or_far_ahead_is_a_dutch_form_error(
    client, manager, programme, held_on, message
):
    client.force_login(manager)
    response = client.post(create_url(programme), form_data(held_on=held_on))
    assert response.status_code == 200
    assert response.context["form"].errors["held_on"] == [message]
    assert message in response.content.decode()
    assert not EvaluationSession.objects.exists()


def test_an_open_ended_programme_takes_dates_from_its_start(client, manager, municipality):
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    client.force_login(manager)
    response = client.post(create_url(programme), form_data(held_on="2026-01-04"))
    assert response.context["form"].errors["held_on"] == [
        "Een evaluatiesessie van dit programma valt op of na de start, 5 januari 2026."
    ]
    response = client.post(create_url(programme), form_data(held_on="2027-09-01"))
    assert response.status_code == 302


def test_odd_input_gets_dutch_errors_never_a_server_error(client, manager, programme):
    client.force_login(manager)
    data = form_data(
        phase="closing",
        held_on="morgen",
        attendees=["999999999999", "x"],
        **{
            "actions-0-description": "x" * 501,
            "actions-0-status": "half",
            "actions-1-who": "iemand",  # a who without an action
            "actions-2-id": "999999999999",
        },
    )
    response = client.post(create_url(programme), data)
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == {"phase", "held_on", "attendees"}
    assert "Selecteer een geldige keuze" in errors["phase"][0]
    assert errors["held_on"] == ["Voer een geldige datum in."]
    rows = response.context["actions"].errors
    assert rows[0]["description"] == [
        "Zorg dat deze waarde niet meer dan 500 tekens bevat (het zijn er nu 501)."
    ]
    assert "Selecteer een geldige keuze" in rows[0]["status"][0]
    assert rows[1]["description"] == ["Dit veld is verplicht."]
    assert "Selecteer een geldige keuze" in rows[2]["id"][0]
    assert not EvaluationSession.objects.exists()


def test_a_tampered_number_of_action_rows_is_a_form_error(client, manager, programme):
    client.force_login(manager)
    response = client.post(
        create_url(programme), form_data(**{"actions-TOTAL_FORMS": "999999999999"})
    )
    assert response.status_code == 200
    assert response.context["actions"].non_form_errors()
    response = client.post(create_url(programme), form_data(**{"actions-TOTAL_FORMS": "1e3"}))
    assert response.status_code == 200
    assert not EvaluationSession.objects.exists()


def test_an_attendee_of_another_municipality_is_refused(
    client, manager, programme, other_municipality, make_user
):
    elsewhere = ProgrammeFactory(municipality=other_municipality)
    foreign = stakeholder(make_user(Role.MANAGER, municipality=other_municipality), elsewhere,
                          "Bedrijf elders")  # fmt: skip
    client.force_login(manager)
    response = client.post(create_url(programme), form_data([foreign]))
    assert response.status_code == 200
    assert "Selecteer een geldige keuze" in response.context["form"].errors["attendees"][0]
    assert f'value="{foreign.pk}"' not in response.content.decode()
    with pytest.raises(ValidationError) as error:
        record(manager, programme, [foreign])
    assert error.value.message_dict["attendees"] == [
        nl(
            "Attendees come from the stakeholder register of this municipality; choose them "
            "from the list."
        )
    ]
    assert not EvaluationSession.objects.exists()


def test_an_action_of_another_session_is_refused_and_nothing_is_saved(manager, programme):
    first = record(manager, programme)
    theirs = ActionInput(description="Overgenomen", pk=first.actions.get().pk)
    with pytest.raises(ValidationError) as error:
        programme_evaluation.save_session(
            manager, programme, phase=Phase.EVALUATION, held_on=datetime.date(2026, 11, 2),
            actions=[ActionInput(description="Nieuw"), theirs],
        )  # fmt: skip
    assert error.value.messages == ["Deze actie hoort niet bij deze sessie."]
    assert EvaluationSession.objects.count() == 1
    assert [a.description for a in EvaluationAction.objects.all()] == [ACTION]


def test_stakeholders_of_another_programme_of_the_municipality_may_attend(
    client, manager, programme, municipality
):
    earlier = ProgrammeFactory(municipality=municipality, name="VAK 2024")
    steering = stakeholder(manager, earlier, "Stuurgroep 2024")
    session = record(manager, programme, [steering])
    assert list(session.attendees.all()) == [steering]


def test_the_same_post_twice_saves_once(client, manager, programme, attendees):
    client.force_login(manager)
    data = {
        **form_data(attendees),
        idempotency.FIELD_NAME: form_key(client, create_url(programme)),
    }
    first = client.post(create_url(programme), data)
    second = client.post(create_url(programme), data, follow=True)
    assert second.redirect_chain[0] == (first["Location"], 302)
    assert "Dit formulier was al verstuurd; er is niets dubbel opgeslagen." in (
        second.content.decode()
    )
    assert EvaluationSession.objects.count() == 1
    assert EvaluationAction.objects.count() == 1
    assert AuditEntry.objects.filter(object_type="evaluationsession").count() == 1


def test_the_same_edit_with_a_new_action_twice_adds_it_once(client, manager, programme):
    session = record(manager, programme, actions=())
    client.force_login(manager)
    data = {**form_data(), idempotency.FIELD_NAME: form_key(client, edit_url(session))}
    client.post(edit_url(session), data)
    client.post(edit_url(session), data)
    assert session.actions.count() == 1


# --- Who may do what ---------------------------------------------------------------------------


def test_another_municipality_gets_a_404(client, manager, programme, other_municipality,
                                         make_user):  # fmt: skip
    session = record(manager, programme)
    for role in (Role.MANAGER, Role.ADMIN, Role.CONSULTANT, Role.WSP):
        client.force_login(make_user(role, municipality=other_municipality))
        assert client.get(page_url(programme)).status_code == 404
        if role in (Role.MANAGER, Role.ADMIN):
            assert client.get(create_url(programme)).status_code == 404
            assert client.get(edit_url(session)).status_code == 404
            assert (
                client.post(edit_url(session), form_data(held_on="2026-11-02")).status_code == 404
            )
    assert EvaluationSession.objects.get().held_on == datetime.date(2026, 10, 12)
    # A session id of another programme under this programme's address is no session.
    other = ProgrammeFactory(municipality=programme.municipality)
    client.force_login(manager)
    url = reverse("evaluation:evaluation_session_edit", args=[other.pk, session.pk])
    assert client.get(url).status_code == 404


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.RESEARCHER])
def test_employers_and_researchers_get_a_403(client, manager, programme, make_user, role):
    session = record(manager, programme)
    outsider = make_user(role)
    client.force_login(outsider)
    for url in (page_url(programme), create_url(programme), edit_url(session)):
        assert client.get(url).status_code == 403
    assert client.post(create_url(programme), form_data()).status_code == 403
    assert EvaluationSession.objects.count() == 1
    assert EvaluationSession.objects.for_user(outsider).count() == 0


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP])
def test_consultants_and_wsp_read_the_sessions_but_cannot_write(
    client, manager, programme, attendees, make_user, role
):
    session = record(manager, programme, attendees)
    reader = make_user(role)
    client.force_login(reader)
    page = client.get(page_url(programme)).content.decode()
    assert BOTTLENECK in page and ACTION in page
    assert "Nieuwe evaluatiesessie" not in page
    assert 'data-testid="evaluation-session-edit"' not in page
    assert client.get(create_url(programme)).status_code == 403
    assert client.post(create_url(programme), form_data(attendees)).status_code == 403
    assert client.post(edit_url(session), form_data(bottlenecks="gewist")).status_code == 403
    assert EvaluationSession.objects.get().bottlenecks == BOTTLENECK
    assert list(EvaluationSession.objects.for_user(reader)) == [session]
    with pytest.raises(PermissionDenied):
        record(reader, programme)


def test_the_service_refuses_a_manager_of_another_municipality(
    manager, programme, other_municipality, make_user
):
    session = record(manager, programme)
    outsider = make_user(Role.MANAGER, municipality=other_municipality)
    with pytest.raises(PermissionDenied):
        record(outsider, programme)
    with pytest.raises(PermissionDenied):
        programme_evaluation.save_session(
            manager, ProgrammeFactory(municipality=programme.municipality), session,
            phase=Phase.EXECUTION, held_on=datetime.date(2026, 10, 12),
        )  # fmt: skip
    assert EvaluationSession.objects.for_user(outsider).count() == 0


def test_an_admin_of_the_municipality_records_sessions_too(client, programme, make_user):
    client.force_login(make_user(Role.ADMIN))
    assert client.post(create_url(programme), form_data()).status_code == 302
    assert EvaluationSession.objects.count() == 1


# --- Queries -----------------------------------------------------------------------------------


def _queries(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONSULTANT, Role.WSP])
def test_the_programme_page_does_not_query_more_with_more_sessions(
    client, manager, programme, attendees, make_user, role
):
    record(manager, programme, attendees[:1])
    viewer = manager if role == Role.MANAGER else make_user(role)
    client.force_login(viewer)
    few = _queries(client, page_url(programme))
    more = [stakeholder(manager, programme, f"Bedrijf {n}") for n in range(4)]
    for index, phase in enumerate([Phase.PREPARATION, Phase.RESEARCH, Phase.EVALUATION] * 2):
        record(
            manager, programme, [*attendees, *more], phase=phase,
            day=datetime.date(2026, 2, 1) + datetime.timedelta(days=30 * index),
            actions=[(f"Actie {index}-{n}", "WSP", ("open", "done")[n % 2]) for n in range(4)],
        )  # fmt: skip
    page = client.get(page_url(programme)).content.decode()
    assert len(re.findall(r'data-testid="evaluation-session-\d+"', page)) == 7
    assert _queries(client, page_url(programme)) == few


# --- The monitoring report ---------------------------------------------------------------------


def pdf_text(data):
    """Poppler's pdftotext (installed by .ci/run) in its reading order: each table cell
    whole, row by row, even when its text wraps. Whitespace collapsed, and words the
    layout hyphenated at a line end joined again."""
    result = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", "-", "-"], input=data, capture_output=True, check=True
    )
    text = " ".join(result.stdout.decode().split())
    return re.sub(r"(\w)[\u2010\u00ad] (\w)", r"\1\2", text)


def monitoring_text(manager, programme):
    """The monitoring report as the worker makes it (WeasyPrint), read back as text."""
    report = Report.objects.create(
        programme=programme, kind=ReportKind.MONITORING, requested_by=manager
    )
    report = reports.build_report(report.pk)
    assert report.status == JobStatus.DONE, report.error
    with reports.private_storage().open(report.file_name, "rb") as handle:
        return pdf_text(handle.read())


def test_the_monitoring_pdf_lists_sessions_bottlenecks_and_actions(manager, programme, attendees):
    record(manager, programme, attendees, phase=Phase.PREPARATION, day=datetime.date(2026, 2, 2),
           actions=[("Caseload verlagen", "Teamleider", "done")],
           bottlenecks="Te weinig tijd voor de leergang.")  # fmt: skip
    record(manager, programme, attendees[:1])
    text = monitoring_text(manager, programme)
    assert "Evaluatie en knelpunten" in text
    # Grouped by phase, in the plan's order.
    assert text.index("Voorbereiding") < text.index("Te weinig tijd voor de leergang.")
    assert text.index("Te weinig tijd voor de leergang.") < text.index(BOTTLENECK)
    assert "Evaluatiesessie van 12 oktober 2026" in text
    assert "Aanwezigen: Windesheim; Zorggroep" in text
    assert "Acties voor het volgende programma" in text
    # ACTION wraps in its cell; pdftotext keeps the cell whole.
    assert f"{ACTION} WSP Open Uitvoering, 12 oktober 2026" in text
    assert "Caseload verlagen Teamleider Gereed Voorbereiding, 2 februari 2026" in text


def test_a_report_without_sessions_says_so(manager, programme):
    text = monitoring_text(manager, programme)
    assert "Evaluatie en knelpunten Nog geen evaluatiesessies." in text


# --- The demo ----------------------------------------------------------------------------------


def test_the_demo_has_sessions_through_the_service_and_seeding_later_adds_none(client):
    call_command("seed_demo")
    zwolle = Programme.objects.get(name="VAK Zwolle")
    sessions = list(EvaluationSession.objects.filter(programme=zwolle).order_by("held_on"))
    assert [s.phase for s in sessions] == [Phase.PREPARATION, Phase.EXECUTION, Phase.EVALUATION]
    assert all(zwolle.start_date <= s.held_on <= zwolle.end_date for s in sessions)
    assert all(a.programme_id == zwolle.pk for s in sessions for a in s.attendees.all()) and all(
        s.attendees.exists() for s in sessions
    )
    assert AuditEntry.objects.filter(object_type="evaluationsession").count() == 3
    open_actions = EvaluationAction.objects.filter(session__programme=zwolle, status="open")
    assert open_actions.count() == 4
    days = [s.held_on for s in sessions]
    # A year later the programme stays where it is, and so do its sessions.
    with time_machine.travel(NOW + datetime.timedelta(days=400)):
        call_command("seed_demo")
    assert (
        list(
            EvaluationSession.objects.filter(programme=zwolle)
            .order_by("held_on")
            .values_list("held_on", flat=True)
        )
        == days
    )
    assert EvaluationAction.objects.filter(session__programme=zwolle).count() == 5

    client.force_login(User.objects.get(email="wsp@zwolle.example"))
    page = client.get(page_url(zwolle)).content.decode()
    assert "Leerwerkplaatsen komen pas laat in het traject beschikbaar." in page
    # Kampen's programme has none, and Zwolle's are not Kampen's to read.
    kampen_manager = User.objects.get(email="manager@kampen.example")
    assert EvaluationSession.objects.for_user(kampen_manager).count() == 0
