"""Participants' training (issue 16, build 3: the plan's "vakopleiding"): courses per
participant with kind, dates, hours, result and an optional certificate; recorded by the
participant's consultant, shown on the timeline and in the talent profile, a completed
one's certificate counted by the matching, counted on the dashboard (one definition,
recomputed here in plain SQL) and exported for research without free text."""

import csv
import datetime
import io
import re
import zipfile

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from employers import selectors as matching
from employers.models import Match, MatchStage, OpportunityStatus
from employers.selectors import employer_of
from evaluation.dashboards import selectors as evaluation_selectors
from evaluation.research.catalogue import table_choices
from evaluation.research.models import ResearchProject
from evaluation.research.writers import write_export
from participants import selectors, services
from participants.models import (
    Certificate,
    Participant,
    Status,
    Training,
    TrainingKind,
    TrainingResult,
)
from tests.employers.factories import OpportunityFactory
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import idempotency
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry, FieldChange
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def pinned_clock():
    # The form's date bounds are relative to today.
    with time_machine.travel(datetime.datetime(2026, 11, 30, 12, tzinfo=datetime.UTC), tick=False):
        yield


def nl(text, **params):
    with translation.override("nl"):
        message = translation.gettext(text)
    return message % params if params else message


def certificate_nl(code):
    with translation.override("nl"):
        return str(Certificate(code).label)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


@pytest.fixture
def participant(municipality, consultant, programme):
    return ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        programme=programme,
        status=Status.IN_PROGRAMME,
        consent_share_profile=True,
        consent_research=True,
        first_name="Noor",
        last_name="Nieuwkomer",
    )


def create_url(participant):
    return reverse("participants:training_create", args=[participant.pk])


def edit_url(training):
    return reverse("participants:training_edit", args=[training.pk])


def data(**overrides):
    values = {
        "name": "VCA Basisveiligheid",
        "provider": "Veiligheidsinstituut Oost",
        "kind": "workshop",
        "start_date": "2026-09-01",
        "end_date": "2026-09-15",
        "hours": "8",
        "result": "completed",
        "certificate": "vca",
        "certificate_on": "",
    }
    values.update(overrides)
    return values


def form_key(client, target):
    html = client.get(target).content.decode()
    marker = f'name="{idempotency.FIELD_NAME}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


def add(user, participant, **overrides):
    fields = {
        "name": "VCA Basisveiligheid",
        "provider": "Veiligheidsinstituut Oost",
        "kind": TrainingKind.WORKSHOP,
        "start_date": datetime.date(2026, 9, 1),
        "end_date": datetime.date(2026, 9, 15),
        "hours": 8,
        "result": TrainingResult.COMPLETED,
        "certificate": Certificate.VCA,
    }
    fields.update(overrides)
    return services.add_training(user, participant, **fields)


# --- The form ----------------------------------------------------------------------------


def test_the_consultant_adds_a_training_from_the_participant_page(client, consultant, participant):
    client.force_login(consultant)
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert create_url(participant) in page
    response = client.post(create_url(participant), data())
    assert response.status_code == 302
    assert response["Location"].endswith(f"/participants/{participant.pk}/#trainings")
    training = Training.objects.get(participant=participant)
    assert training.recorded_by == consultant
    # Without a date of its own, the certificate dates from the end of the training.
    assert training.certificate_on == datetime.date(2026, 9, 15)
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_type="training", participant_id=participant.pk
    ).exists()


@pytest.mark.parametrize(
    "overrides, field, message",
    [
        (
            {"start_date": "2026-09-15", "end_date": "2026-09-01"},
            "end_date",
            "The end date lies before the start date.",
        ),
        (
            {"result": "in_progress", "end_date": ""},
            "certificate",
            "A certificate is obtained with a completed training: set the result to "
            "completed, or leave the certificate empty.",
        ),
        ({"end_date": ""}, "end_date", "Fill in the date the training was completed."),
        (
            {"certificate": "", "certificate_on": "2026-09-15"},
            "certificate_on",
            "Choose the certificate, or clear its date.",
        ),
        (
            {"certificate_on": "2026-08-01"},
            "certificate_on",
            "The certificate was obtained before the training began.",
        ),
    ],
)
def test_what_does_not_fit_together_gets_a_dutch_error(
    client, consultant, participant, overrides, field, message
):
    client.force_login(consultant)
    response = client.post(create_url(participant), data(**overrides), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [nl(message)]
    assert not Training.objects.exists()


@pytest.mark.parametrize(
    "overrides, field, expected",
    [
        ({"hours": "2001"}, "hours", "Vul een aantal uren in van 1 tot en met 2.000."),
        ({"hours": "٤٢"}, "hours", "Voer een geheel getal in."),
        ({"hours": "-3"}, "hours", "Vul een aantal uren in van 1 tot en met 2.000."),
        ({"start_date": "1850-01-01"}, "start_date", "Vul een datum in van"),
        ({"start_date": "2026-02-30"}, "start_date", "Voer een geldige datum in."),
        ({"end_date": "2099-01-01"}, "end_date", "Vul een datum in van"),
        # A certificate is obtained, not expected: never in the future.
        ({"certificate_on": "2026-12-24"}, "certificate_on", "Vul een datum in van"),
        ({"kind": "evening_school"}, "kind", "Selecteer een geldige keuze"),
        ({"name": "x" * 201}, "name", "Zorg dat deze waarde niet meer dan 200 tekens bevat"),
    ],
)
def test_odd_input_gets_a_dutch_error_not_a_500(client, consultant, participant, overrides,
                                                field, expected):  # fmt: skip
    client.force_login(consultant)
    response = client.post(create_url(participant), data(**overrides), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    errors = response.context["form"].errors[field]
    assert any(error.startswith(expected) for error in errors), errors
    assert not Training.objects.exists()


def test_the_same_post_twice_saves_once(client, consultant, participant):
    client.force_login(consultant)
    posted = {**data(), idempotency.FIELD_NAME: form_key(client, create_url(participant))}
    first = client.post(create_url(participant), posted)
    second = client.post(create_url(participant), posted)
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert Training.objects.filter(participant=participant).count() == 1


def test_an_edit_records_progress_in_the_history_and_on_the_timeline(
    client, consultant, participant
):
    training = add(consultant, participant, result=TrainingResult.IN_PROGRESS, certificate="",
                   end_date=None)  # fmt: skip
    client.force_login(consultant)
    response = client.post(edit_url(training), data(), HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 302
    training.refresh_from_db()
    assert (training.result, training.certificate) == ("completed", "vca")
    result = FieldChange.objects.get(object_type="training", field="result")
    assert (result.old_value, result.new_value) == (nl("In progress"), nl("Completed"))
    assert result.field_label.startswith("VCA Basisveiligheid: ")
    assert result.participant_id == participant.pk
    page = client.get(reverse("participants:detail", args=[participant.pk]),
                      HTTP_ACCEPT_LANGUAGE="nl")  # fmt: skip
    entries = [entry for entry in page.context["timeline"] if entry.kind == "training"]
    assert [entry.obj for entry in entries] == [training]
    assert entries[0].when == datetime.date(2026, 9, 1)
    html = page.content.decode()
    assert 'data-testid="timeline-training"' in html
    assert certificate_nl("vca") in html


def test_the_talent_profile_card_shows_the_certificate_of_a_completed_training(
    client, consultant, participant
):
    services.save_talent_profile(consultant, participant, certificates=["goed_werknemer"])
    add(consultant, participant)
    add(consultant, participant, name="Heftruck", certificate="", result=TrainingResult.STOPPED)
    client.force_login(consultant)
    page = client.get(reverse("participants:detail", args=[participant.pk]),
                      HTTP_ACCEPT_LANGUAGE="nl")  # fmt: skip
    card = page.content.decode().split('data-testid="profile-certificates">')[1].split("</dd>")[0]
    assert certificate_nl("goed_werknemer") in card
    assert certificate_nl("vca") in card and nl("through a training") in card
    # The talent profile's own page says which certificates a training gave.
    form_page = client.get(reverse("participants:talent_profile", args=[participant.pk]),
                           HTTP_ACCEPT_LANGUAGE="nl").content.decode()  # fmt: skip
    note = form_page.split('data-testid="training-certificates">')[1].split("</p>")[0]
    assert certificate_nl("vca") in note and certificate_nl("goed_werknemer") not in note
    held = selectors.held_certificates(participant)
    assert [(item.code, item.from_training) for item in held] == [
        ("goed_werknemer", False),
        ("vca", True),
    ]
    # What the board's ranking reads: the same certificates, by code, with or without the
    # trainings' annotations.
    assert selectors.held_certificate_codes(participant) == {"goed_werknemer", "vca"}
    annotated = selectors.with_held_certificates(Participant.objects.filter(pk=participant.pk))
    assert selectors.held_certificate_codes(annotated.get()) == {"goed_werknemer", "vca"}


# --- Who may --------------------------------------------------------------------------------


def test_scoping_who_may_open_the_pages(
    client, make_user, other_municipality, consultant, participant
):
    training = add(consultant, participant)
    urls = [create_url(participant), edit_url(training)]
    for user, status in [
        (make_user(Role.CONSULTANT, municipality=other_municipality), 404),
        (make_user(Role.CONSULTANT), 404),  # a colleague: not their participant
        (make_user(Role.EMPLOYER), 403),
        (make_user(Role.RESEARCHER), 403),
        (make_user(Role.WSP), 403),
        # Managers read the trainings on the participant page; the consultant writes.
        (make_user(Role.MANAGER), 403),
    ]:
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == status, (user.role, url)
            assert client.post(url, data(name="Overschreven")).status_code == status
    assert Training.objects.count() == 1
    assert Training.objects.get().name == "VCA Basisveiligheid"
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert "VCA Basisveiligheid" in page and edit_url(training) not in page


def test_the_service_refuses_other_municipalities_and_roles(make_user, other_municipality,
                                                            participant):  # fmt: skip
    from django.core.exceptions import PermissionDenied

    for user in (
        make_user(Role.CONSULTANT, municipality=other_municipality),
        make_user(Role.MANAGER),
        make_user(Role.EMPLOYER),
        make_user(Role.RESEARCHER),
    ):
        with pytest.raises(PermissionDenied):
            add(user, participant)


def test_for_user_goes_through_the_participants_scoping(make_user, other_municipality,
                                                       consultant, participant):  # fmt: skip
    add(consultant, participant)
    assert Training.objects.for_user(consultant).count() == 1
    assert Training.objects.for_user(make_user(Role.MANAGER)).count() == 1
    assert Training.objects.for_user(make_user(Role.CONSULTANT)).count() == 0
    assert Training.objects.for_user(make_user(Role.WSP)).count() == 0
    other = make_user(Role.MANAGER, municipality=other_municipality)
    assert Training.objects.for_user(other).count() == 0


# --- Query bounds ---------------------------------------------------------------------------


def _queries(client, target):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def test_the_pages_cost_the_same_for_one_training_and_for_thirty(client, consultant,
                                                                 participant):  # fmt: skip
    first = add(consultant, participant)
    client.force_login(consultant)
    targets = [
        reverse("participants:detail", args=[participant.pk]),
        create_url(participant),
        edit_url(first),
    ]
    few = [_queries(client, target) for target in targets]
    for index in range(29):
        training = add(consultant, participant, name=f"Cursus {index}", certificate="",
                       kind=TrainingKind.ONLINE)  # fmt: skip
        services.update_training(consultant, training, hours=10 + index)
    many = [_queries(client, target) for target in targets]
    assert many == few
    # The participant page's bound (tests/participants/test_pages.py), with the provisions
    # to check on its Provisions button (issue 22).
    assert few[0] <= 18


# --- Matching -----------------------------------------------------------------------------


@pytest.fixture
def employer_user(make_user):
    return make_user(Role.EMPLOYER)


@pytest.fixture
def opportunity(employer_user):
    return OpportunityFactory(
        employer=employer_of(employer_user),
        title="Medewerker bouwplaats",
        status=OpportunityStatus.CONFIRMED,
        conditions=[Certificate.VCA],
        skills_wanted="bouwplaats",
        target_groups=[],
        hours_per_week=32,
    )


def test_a_completed_trainings_certificate_counts_for_the_matching(
    client, consultant, participant, opportunity, employer_user
):
    services.save_talent_profile(consultant, participant, skills="bouwplaats",
                                 hours_available=32)  # fmt: skip
    before = matching.score_candidate(opportunity, participant)
    # In progress: not yet a certificate.
    training = add(consultant, participant, result=TrainingResult.IN_PROGRESS, certificate="",
                   end_date=None)  # fmt: skip
    assert matching.score_candidate(opportunity, participant).score == before.score
    services.update_training(
        consultant, training, result=TrainingResult.COMPLETED,
        end_date=datetime.date(2026, 9, 15), certificate=Certificate.VCA,
    )  # fmt: skip
    after = matching.score_candidate(opportunity, participant)
    assert after.score == before.score + 40
    with translation.override("nl"):
        fit = matching.score_candidate(opportunity, participant)
        texts = [reason.text for reason in fit.reasons]
    assert nl("meets: %(c)s (completed training)", c=certificate_nl("vca")) in texts
    # The board ranks with the same certificates, in one query for every candidate.
    rival = ParticipantFactory(municipality=participant.municipality, consultant=consultant,
                               status=Status.IN_PROGRAMME)  # fmt: skip
    services.save_talent_profile(consultant, rival, skills="bouwplaats", hours_available=32,
                                 certificates=[])  # fmt: skip
    suggested = matching.suggest_candidates(consultant, opportunity)
    assert [s.participant for s in suggested][:2] == [participant, rival]
    assert suggested[0].score == after.score
    # The candidate page and the talent profile the employer reads name it too.
    match = Match.objects.create(opportunity=opportunity, participant=participant,
                                 stage=MatchStage.INTRODUCED, score=after.score)  # fmt: skip
    client.force_login(employer_user)
    page = client.get(reverse("employers:candidate", args=[match.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.status_code == 200
    html = page.content.decode()
    assert certificate_nl("vca") in html
    trainings = html.split('data-testid="profile-trainings">')[1].split("</dd>")[0]
    assert "VCA Basisveiligheid" in trainings
    # Never the provider: it can name a former employer.
    assert "Veiligheidsinstituut Oost" not in html


def test_a_stopped_training_gives_no_certificate(consultant, participant, opportunity):
    add(consultant, participant, result=TrainingResult.STOPPED, certificate="")
    assert selectors.held_certificates(participant) == []
    assert selectors.held_certificate_codes(participant) == set()
    assert matching.score_candidate(opportunity, participant).score < 100


def test_the_board_ranks_with_training_certificates_in_a_bounded_number_of_queries(
    consultant, participant, opportunity, municipality, django_assert_max_num_queries
):
    people = [
        ParticipantFactory(
            municipality=municipality, consultant=consultant, status=Status.IN_PROGRAMME
        )  # fmt: skip
        for _ in range(15)
    ]
    for person in people:
        add(consultant, person)
    with django_assert_max_num_queries(2):
        ranked = matching.suggest_candidates(consultant, opportunity)
    assert len(ranked) == 16
    assert all("vca" in {c.code for c in selectors.held_certificates(s.participant)}
               for s in ranked[:15])  # fmt: skip
    # Ranked on the certificates' codes alone, shown with their reasons: the same score.
    assert [s.score for s in ranked] == sorted((s.score for s in ranked), reverse=True)
    for suggestion in ranked:
        ranking = matching.score_candidate(opportunity, suggestion.participant, explain=False)
        assert ranking.score == suggestion.score


# --- The dashboard --------------------------------------------------------------------------


def _sql_training_counts(municipality_id, start, end):
    """Per kind: started (start date in [start, end], result not planned) and completed
    (result completed, end date in [start, end]), of the municipality's participants
    outside the comparison group, in plain SQL."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT t.kind,
                   COUNT(*) FILTER (WHERE t.result <> 'planned'
                                    AND (%(start)s::date IS NULL OR t.start_date >= %(start)s)
                                    AND t.start_date <= %(end)s),
                   COUNT(*) FILTER (WHERE t.result = 'completed'
                                    AND (%(start)s::date IS NULL OR t.end_date >= %(start)s)
                                    AND t.end_date <= %(end)s)
            FROM participants_training t
            JOIN participants_participant p ON p.id = t.participant_id
            WHERE p.municipality_id = %(municipality)s AND NOT p.in_comparison_group
            GROUP BY t.kind
            """,
            {"start": start, "end": end, "municipality": municipality_id},
        )
        return {kind: (started, completed) for kind, started, completed in cursor.fetchall()}


def test_the_dashboard_figure_equals_plain_sql(client, make_user, municipality, consultant,
                                               participant):  # fmt: skip
    base = datetime.date(2026, 1, 5)
    kinds = list(TrainingKind)
    results = list(TrainingResult)
    for index in range(40):
        start = base + datetime.timedelta(days=9 * index)
        result = results[index % 4]
        ended = result in (TrainingResult.COMPLETED, TrainingResult.STOPPED)
        person = participant if index % 3 else ParticipantFactory(
            municipality=municipality, consultant=consultant, in_comparison_group=index % 6 == 0
        )  # fmt: skip
        add(consultant, person, kind=kinds[index % 4], result=result, start_date=start,
            end_date=start + datetime.timedelta(days=20 + index) if ended else None,
            certificate="")  # fmt: skip
    scope = evaluation_selectors.Scope(municipality)
    for period in (
        evaluation_selectors.Period(),
        evaluation_selectors.Period(start=datetime.date(2026, 4, 1)),
        evaluation_selectors.Period(datetime.date(2026, 3, 1), datetime.date(2026, 6, 30)),
    ):  # fmt: skip
        on_date = period.on_date(TODAY)
        figure = evaluation_selectors.trainings(scope, period, on_date)
        sql = _sql_training_counts(municipality.pk, period.start, on_date)
        assert {row.kind: (row.started, row.completed) for row in figure if row.started or
                row.completed} == {k: v for k, v in sql.items() if v != (0, 0)}  # fmt: skip
        assert sum(row.completed for row in figure) > 0
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("evaluation:dashboard"), HTTP_ACCEPT_LANGUAGE="nl")
    figure = page.context["figures"].trainings
    assert figure == evaluation_selectors.trainings(scope, evaluation_selectors.Period(), TODAY)
    html = page.content.decode()
    assert 'data-testid="training-figure"' in html
    roc = next(row for row in figure if row.kind == "roc")
    assert re.search(
        rf'data-kind="roc"><td>[^<]+</td><td class="text-end" data-testid="trainings-started">'
        rf"{roc.started}</td>",
        html,
    )


# --- Research ------------------------------------------------------------------------------


def test_the_research_export_holds_the_training_table_without_free_text(
    consultant, municipality, programme, participant
):
    # Six alike, so that no disclosure control (k = 5 by default) has to leave them out.
    people = [participant] + [
        ParticipantFactory(
            municipality=municipality,
            consultant=consultant,
            programme=programme,
            consent_research=True,
        )  # fmt: skip
        for _ in range(5)
    ]
    for person in people:
        add(consultant, person, name="Cursus bij Bouwbedrijf Jansen",
            provider="Bouwbedrijf Jansen BV", kind=TrainingKind.EMPLOYER)  # fmt: skip
    refuser = ParticipantFactory(municipality=municipality, consultant=consultant,
                                 programme=programme, consent_research=False)  # fmt: skip
    add(consultant, refuser)
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Vakopleiding",
        institution="ROA, Maastricht University",
        agreement_reference="ROA-2",
        valid_until=datetime.date(2099, 1, 1),
        secret="y" * 40,
    )
    project.programmes.add(programme)
    assert "trainings" in dict(table_choices())
    buffer = io.BytesIO()
    counts = write_export(project, ["trainings"], "csv", buffer)
    assert counts == {"trainings": 6}
    with zipfile.ZipFile(buffer) as archive:
        content = archive.read("trainings.csv").decode()
        codebook = archive.read("codebook.csv").decode()
    rows = list(csv.DictReader(io.StringIO(content)))
    assert len(rows) == 6
    row = rows[0]
    assert (row["kind"], row["hours"], row["result"], row["certificate"]) == (
        "employer", "8", "completed", "vca"
    )  # fmt: skip
    assert len({item["pseudonym"] for item in rows}) == 6
    assert not {str(person.pk) for person in people} & {item["pseudonym"] for item in rows}
    # Never the course's name or provider.
    assert not {"name", "provider"} & set(row)
    assert "Jansen" not in content and "Cursus" not in content
    assert "Soort opleiding" in codebook


# --- Demo -------------------------------------------------------------------------------


def test_the_demo_gives_a_share_of_participants_trainings_through_the_service(demo):
    zwolle = Training.objects.filter(participant__municipality__name="Demo Zwolle")
    people = zwolle.values("participant").distinct().count()
    assert 20 <= people <= 50
    assert zwolle.certified().exists()
    assert not zwolle.filter(recorded_by__isnull=True).exists()
    assert Training.objects.filter(participant__municipality__name="Demo Kampen").count() == 4
