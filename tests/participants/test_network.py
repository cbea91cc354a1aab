"""The network measurement (issue 16, build 4: the plan's "groei sociaal kapitaal"): a fixed
instrument at the intake and at each follow-up, one per participant and moment, written by
the municipality's consultants, its change shown per participant and per programme (one
definition, recomputed here in plain SQL) and exported for research."""

import datetime
import io
import zipfile
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from evaluation.dashboards import selectors as evaluation_selectors
from evaluation.research.catalogue import table_choices
from evaluation.research.models import ResearchProject
from evaluation.research.pseudonyms import keys_for
from evaluation.research.writers import write_export
from participants import selectors, services
from participants.models import (
    FollowUp,
    NetworkMeasurement,
    NetworkMoment,
    OutcomeMeasurement,
    Participant,
)
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import idempotency
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry, FieldChange
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

INTAKE_DAY = datetime.date(2026, 1, 12)
FOLLOW_UP_DAY = datetime.date(2026, 7, 27)


def nl(text, **params):
    with translation.override("nl"):
        message = translation.gettext(text)
    return message % params if params else message


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(municipality=municipality)


@pytest.fixture
def participant(municipality, consultant, programme):
    return ParticipantFactory(
        municipality=municipality, consultant=consultant, programme=programme
    )


def url(participant, moment=None):
    base = reverse("participants:network", args=[participant.pk])
    return base if moment is None else f"{base}?moment={int(moment)}"


def answers(moment=NetworkMoment.INTAKE, day=INTAKE_DAY, contacts=3, employers=1, rating=2):
    return {
        "moment": str(int(moment)),
        "measured_on": day.isoformat(),
        "work_contacts": str(contacts),
        "employer_contacts": str(employers),
        "self_rating": str(rating),
    }


def measure(user, participant, moment, contacts, employers, rating, day=INTAKE_DAY):
    return services.record_network_measurement(
        user,
        participant,
        moment=moment,
        measured_on=day,
        work_contacts=contacts,
        employer_contacts=employers,
        self_rating=rating,
    )


def form_key(client, target):
    html = client.get(target).content.decode()
    marker = f'name="{idempotency.FIELD_NAME}" value="'
    start = html.index(marker) + len(marker)
    return html[start : html.index('"', start)]


# --- The instrument and its moments --------------------------------------------------------


def test_the_moments_are_the_intake_and_the_follow_ups_of_the_outcome_measurement():
    assert set(NetworkMoment.values) == {0, *FollowUp.values}
    assert NetworkMoment.INTAKE == 0


def test_the_consultant_records_the_intake_measurement_in_the_form(
    client, consultant, participant
):
    client.force_login(consultant)
    response = client.post(url(participant), answers(contacts=4, employers=0, rating=2))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/participants/{participant.pk}/#network")
    measurement = NetworkMeasurement.objects.get(participant=participant)
    assert (measurement.moment, measurement.work_contacts, measurement.employer_contacts) == (
        NetworkMoment.INTAKE,
        4,
        0,
    )
    assert (measurement.self_rating, measurement.recorded_by) == (2, consultant)
    entry = AuditEntry.objects.get(object_type="networkmeasurement")
    assert (entry.action, entry.participant_id) == (AuditAction.CREATE, participant.pk)


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("work_contacts", "-1", "Enter a number of contacts from %(low)s up to and including "
         "%(high)s."),
        ("work_contacts", "201", "Enter a number of contacts from %(low)s up to and including "
         "%(high)s."),
        ("employer_contacts", "150", "Enter a number of employers from %(low)s up to and "
         "including %(high)s."),
    ],
)  # fmt: skip
def test_implausible_counts_get_a_dutch_form_error(client, consultant, participant, field, value,
                                                    message):  # fmt: skip
    client.force_login(consultant)
    data = {**answers(), field: value}
    response = client.post(url(participant), data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    high = "200" if field == "work_contacts" else "100"
    expected = nl(message, low="0", high=high)
    assert expected.startswith("Vul een aantal")
    assert response.context["form"].errors[field] == [expected]
    assert not NetworkMeasurement.objects.exists()


def test_other_odd_input_gets_dutch_errors_never_a_server_error(client, consultant, participant):
    client.force_login(consultant)
    data = {
        "moment": "7",
        "measured_on": "9999-12-31",
        "work_contacts": "٤٢",
        "employer_contacts": "1e3",
        "self_rating": "6",
    }
    response = client.post(url(participant), data, HTTP_ACCEPT_LANGUAGE="nl")
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert set(errors) == set(data)
    assert errors["work_contacts"] == ["Voer een geheel getal in."]
    assert "Selecteer een geldige keuze" in errors["self_rating"][0]
    assert "Vul een datum in" in errors["measured_on"][0]
    assert not NetworkMeasurement.objects.exists()


# --- One per participant and moment ----------------------------------------------------------


def test_the_same_post_twice_saves_once(client, consultant, participant):
    client.force_login(consultant)
    data = {**answers(), idempotency.FIELD_NAME: form_key(client, url(participant))}
    first = client.post(url(participant), data)
    second = client.post(url(participant), data)
    assert (second.status_code, second["Location"]) == (302, first["Location"])
    assert NetworkMeasurement.objects.filter(participant=participant).count() == 1


def test_a_second_submit_of_a_moment_edits_it_with_history(client, consultant, participant):
    client.force_login(consultant)
    client.post(url(participant), {**answers(contacts=3), idempotency.FIELD_NAME: form_key(
        client, url(participant))})  # fmt: skip
    # A second form (a new key) for the same moment, as from the intake page again.
    response = client.post(
        url(participant),
        {**answers(contacts=5), idempotency.FIELD_NAME: form_key(client, url(participant))},
    )
    assert response.status_code == 302
    measurement = NetworkMeasurement.objects.get(participant=participant)
    assert measurement.work_contacts == 5
    change = FieldChange.objects.get(object_type="networkmeasurement")
    assert (change.field, change.old_value, change.new_value) == ("work_contacts", "3", "5")
    assert AuditEntry.objects.filter(
        object_type="networkmeasurement", action=AuditAction.UPDATE
    ).exists()
    # The form of a measured moment opens with its answers.
    page = client.get(url(participant, NetworkMoment.INTAKE))
    assert page.context["form"].initial["work_contacts"] == 5
    assert 'data-testid="network-existing"' in page.content.decode()


def test_the_database_refuses_a_second_row_for_a_moment(consultant, participant):
    measure(consultant, participant, NetworkMoment.INTAKE, 3, 1, 2)
    with pytest.raises(IntegrityError), transaction.atomic():
        NetworkMeasurement.objects.create(
            participant=participant,
            moment=NetworkMoment.INTAKE,
            measured_on=INTAKE_DAY,
            work_contacts=1,
            employer_contacts=0,
            self_rating=1,
        )


# --- Who may see and write ---------------------------------------------------------------------


def test_another_municipality_gets_a_404(client, participant, other_municipality, make_user):
    outsider = make_user(Role.CONSULTANT, municipality=other_municipality)
    client.force_login(outsider)
    assert client.get(url(participant)).status_code == 404
    assert client.post(url(participant), answers()).status_code == 404
    assert not NetworkMeasurement.objects.exists()


def test_a_consultant_of_another_caseload_gets_a_404(client, participant, make_user):
    client.force_login(make_user(Role.CONSULTANT))
    assert client.get(url(participant)).status_code == 404


@pytest.mark.parametrize("role", [Role.EMPLOYER, Role.RESEARCHER, Role.WSP, Role.MANAGER])
def test_only_consultants_write(client, participant, make_user, role):
    client.force_login(make_user(role))
    assert client.get(url(participant)).status_code == 403
    assert client.post(url(participant), answers()).status_code == 403
    assert not NetworkMeasurement.objects.exists()


def test_the_service_refuses_other_roles_and_municipalities(
    participant, make_user, other_municipality
):
    from django.core.exceptions import PermissionDenied

    for user in (
        make_user(Role.MANAGER),
        make_user(Role.CONSULTANT, municipality=other_municipality),
    ):
        with pytest.raises(PermissionDenied):
            measure(user, participant, NetworkMoment.INTAKE, 1, 1, 1)


def test_measurements_are_scoped_through_the_participant(consultant, participant, make_user):
    measure(consultant, participant, NetworkMoment.INTAKE, 3, 1, 2)
    assert NetworkMeasurement.objects.for_user(consultant).count() == 1
    assert NetworkMeasurement.objects.for_user(make_user(Role.MANAGER)).count() == 1
    for role in (Role.EMPLOYER, Role.RESEARCHER, Role.WSP, Role.ADMIN):
        assert NetworkMeasurement.objects.for_user(make_user(role)).count() == 0
    assert NetworkMeasurement.objects.for_user(make_user(Role.CONSULTANT)).count() == 0


# --- Reached from the intake and the follow-up --------------------------------------------------


def test_the_intake_and_follow_up_pages_link_to_their_moment(client, consultant, participant,
                                                            programme):  # fmt: skip
    cohort = CohortFactory(programme=programme)
    services.enrol(consultant, cohort, participant, enrolled_on=datetime.date(2026, 1, 20))
    outcome = OutcomeMeasurement.objects.get(participant=participant, follow_up=6)
    client.force_login(consultant)
    intake_page = client.get(reverse("participants:intake", args=[participant.pk]))
    assert f'href="{url(participant, NetworkMoment.INTAKE)}"' in intake_page.content.decode()
    outcome_page = client.get(reverse("participants:outcome", args=[outcome.pk]))
    assert f'href="{url(participant, 6)}"' in outcome_page.content.decode()
    # The follow-up's link opens the form on that moment.
    form = client.get(url(participant, 6)).context["form"]
    assert form.initial["moment"] == NetworkMoment.MONTHS_6


# --- The change per participant ------------------------------------------------------------------


def test_the_participant_page_shows_the_change_from_intake_to_the_latest_follow_up(
    client, consultant, participant
):
    measure(consultant, participant, NetworkMoment.INTAKE, 3, 0, 2)
    measure(consultant, participant, NetworkMoment.MONTHS_3, 5, 2, 3, FOLLOW_UP_DAY)
    measure(consultant, participant, NetworkMoment.MONTHS_6, 9, 1, 4, FOLLOW_UP_DAY)
    client.force_login(consultant)
    response = client.get(reverse("participants:detail", args=[participant.pk]))
    network = response.context["network"]
    assert [(r.intake, r.latest, r.change) for r in network.rows] == [
        (3, 9, 6),
        (0, 1, 1),
        (2, 4, 2),
    ]
    assert network.latest_moment == NetworkMoment.MONTHS_6
    html = response.content.decode()
    assert 'data-testid="network-change-1">+6<' in html.replace("\n", "")


def test_without_a_follow_up_there_is_no_change(client, consultant, participant):
    measure(consultant, participant, NetworkMoment.INTAKE, 3, 0, 2)
    summary = selectors.network_summary(consultant, participant)
    assert [(r.intake, r.latest, r.change) for r in summary.rows] == [
        (3, None, None),
        (0, None, None),
        (2, None, None),
    ]


# --- The change per programme, recomputed in plain SQL -------------------------------------------


def _population(consultant, municipality, programme):
    """Participants with every combination: intake and follow-ups, intake only, follow-up
    only, nothing; one in the comparison group and one of another programme."""
    elsewhere = ProgrammeFactory(municipality=municipality)
    rows = [
        ({0: (2, 0, 1), 3: (4, 1, 2), 6: (7, 3, 4)}, {}),
        ({0: (5, 1, 3), 12: (4, 0, 3)}, {}),
        ({0: (1, 0, 1), 3: (2, 2, 2)}, {}),
        ({0: (3, 1, 2)}, {}),
        ({6: (9, 4, 5)}, {}),
        ({}, {}),
        ({0: (1, 0, 1), 3: (20, 9, 5)}, {"in_comparison_group": True}),
        ({0: (1, 0, 1), 3: (30, 9, 5)}, {"programme": elsewhere}),
    ]
    for moments, extra in rows:
        person = ParticipantFactory(
            municipality=municipality,
            consultant=consultant,
            programme=extra.get("programme", programme),
            in_comparison_group=extra.get("in_comparison_group", False),
        )
        for moment, (contacts, employers, rating) in moments.items():
            day = INTAKE_DAY if moment == 0 else FOLLOW_UP_DAY
            measure(consultant, person, moment, contacts, employers, rating, day)


SQL = """
    WITH latest AS (
        SELECT DISTINCT ON (n.participant_id) n.participant_id, n.work_contacts,
               n.employer_contacts, n.self_rating
        FROM participants_networkmeasurement n
        WHERE n.moment > 0
        ORDER BY n.participant_id, n.moment DESC
    )
    SELECT count(*),
           avg(l.work_contacts - i.work_contacts),
           avg(l.employer_contacts - i.employer_contacts),
           avg(l.self_rating - i.self_rating)
    FROM participants_participant p
    JOIN participants_networkmeasurement i ON i.participant_id = p.id AND i.moment = 0
    JOIN latest l ON l.participant_id = p.id
    WHERE p.programme_id = %s AND NOT p.in_comparison_group
"""


def _tenth(value):
    return None if value is None else Decimal(value).quantize(Decimal("0.1"), ROUND_HALF_UP)


def test_the_programme_figure_is_the_plain_sql_average(client, consultant, municipality,
                                                       programme, make_user):  # fmt: skip
    _population(consultant, municipality, programme)
    with connection.cursor() as cursor:
        cursor.execute(SQL, [programme.pk])
        count, contacts, employers, rating = cursor.fetchone()
    figure = evaluation_selectors.network_change(
        evaluation_selectors.Scope(municipality, programme)
    )
    assert count == 3
    assert figure.measured == count
    assert figure.work_contacts == _tenth(contacts) == Decimal("1.7")  # (5 - 1 + 1) / 3
    assert figure.employer_contacts == _tenth(employers) == Decimal("1.3")  # (3 - 1 + 2) / 3
    assert figure.self_rating == _tenth(rating) == Decimal("1.3")  # (3 + 0 + 1) / 3

    # The programme page shows that figure.
    manager = make_user(Role.MANAGER)
    client.force_login(manager)
    page = client.get(reverse("programme_detail", args=[programme.pk]))
    assert page.context["network"] == figure
    html = page.content.decode()
    assert 'data-testid="network-work-contacts">+1,7' in html
    assert 'data-testid="network-self-rating">+1,3' in html


def test_a_programme_without_pairs_shows_no_figure(client, programme, make_user):
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("programme_detail", args=[programme.pk]), HTTP_ACCEPT_LANGUAGE="nl")
    assert page.context["network"].measured == 0
    assert page.context["network"].work_contacts is None
    assert nl("No participant has an intake and a follow-up network measurement yet.") in (
        page.content.decode()
    )


def test_a_period_counts_measurements_made_by_its_as_of_date(consultant, municipality,
                                                                 programme):  # fmt: skip
    person = ParticipantFactory(municipality=municipality, consultant=consultant,
                                programme=programme)  # fmt: skip
    measure(consultant, person, 0, 2, 0, 1)
    measure(consultant, person, 3, 6, 2, 3, FOLLOW_UP_DAY)
    scope = evaluation_selectors.Scope(municipality, programme)
    before = evaluation_selectors.Period(end=FOLLOW_UP_DAY - datetime.timedelta(days=1))
    assert evaluation_selectors.network_change(scope, before).measured == 0
    after = evaluation_selectors.Period(end=FOLLOW_UP_DAY)
    assert evaluation_selectors.network_change(scope, after).work_contacts == Decimal(4)


# --- Query bounds ---------------------------------------------------------------------------


def _queries(client, target):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(target)
    assert response.status_code == 200
    return len(queries)


def test_pages_do_not_query_more_with_more_measurements(client, consultant, municipality,
                                                        programme, make_user):  # fmt: skip
    person = ParticipantFactory(municipality=municipality, consultant=consultant,
                                programme=programme)  # fmt: skip
    measure(consultant, person, 0, 2, 0, 1)
    _population(consultant, municipality, programme)
    manager = make_user(Role.MANAGER)
    pages = [
        (consultant, reverse("participants:detail", args=[person.pk])),
        (consultant, url(person, 0)),
        (manager, reverse("participants:detail", args=[person.pk])),
        (manager, reverse("programme_detail", args=[programme.pk])),
        (consultant, reverse("programme_detail", args=[programme.pk])),
    ]

    def counts():
        result = []
        for user, target in pages:
            client.force_login(user)
            result.append(_queries(client, target))
        return result

    few = counts()
    for moment in (3, 6, 12, 18):
        measure(consultant, person, moment, 3 + moment, 1, 2, FOLLOW_UP_DAY)
    _population(consultant, municipality, programme)
    _population(consultant, municipality, programme)
    assert Participant.objects.filter(programme=programme).count() > 15
    assert counts() == few


# --- Research export ----------------------------------------------------------------------------


def test_the_research_export_holds_the_pseudonymised_table(consultant, municipality, programme,
                                                          make_user):  # fmt: skip
    person = ParticipantFactory(municipality=municipality, consultant=consultant,
                                programme=programme, consent_research=True)  # fmt: skip
    refuser = ParticipantFactory(municipality=municipality, consultant=consultant,
                                 programme=programme, consent_research=False)  # fmt: skip
    measure(consultant, person, 0, 2, 0, 1)
    measure(consultant, person, 3, 6, 2, 4, FOLLOW_UP_DAY)
    measure(consultant, refuser, 0, 7, 7, 5)
    project = ResearchProject.objects.create(
        municipality=municipality,
        name="Netwerk",
        institution="ROA, Maastricht University",
        agreement_reference="ROA-1",
        valid_until=datetime.date(2099, 1, 1),
        secret="x" * 40,
        k_threshold=1,  # one person: disclosure control has its own tests (test_disclosure)
    )
    project.programmes.add(programme)
    assert "network_measurements" in dict(table_choices())
    buffer = io.BytesIO()
    counts = write_export(project, ["network_measurements"], "csv", buffer)
    assert counts == {"network_measurements": 2}
    with zipfile.ZipFile(buffer) as archive:
        lines = archive.read("network_measurements.csv").decode().splitlines()
        codebook = archive.read("codebook.csv").decode()
    keys = keys_for(project)
    # Days since the participant's day 0 (no group: the programme's start).
    day = (FOLLOW_UP_DAY - programme.start_date).days
    assert lines[0] == "pseudonym,moment,measured_day,work_contacts,employer_contacts,self_rating"
    assert lines[2] == f"{keys.pseudonym(person.pk)},3,{day},6,2,4"
    # Known by the pseudonym only, never the participant number; the refuser is left out.
    assert {line.split(",")[0] for line in lines[1:]} == {keys.pseudonym(person.pk)}
    assert "Ik weet wie ik kan vragen om mij aan werk te helpen" in codebook


# --- Demo --------------------------------------------------------------------------------


def test_the_demo_measures_the_network_at_intake_and_at_each_measured_follow_up(demo):
    zwolle = Participant.objects.filter(municipality__name="Demo Zwolle")
    assert NetworkMeasurement.objects.filter(participant__in=zwolle, moment=0).count() == 72
    # A follow-up measurement exactly where the outcome was measured, on its day.
    measured = OutcomeMeasurement.objects.measured().filter(participant__in=zwolle)
    pairs = set(measured.values_list("participant_id", "follow_up", "measured_on"))
    network = NetworkMeasurement.objects.filter(participant__in=zwolle, moment__gt=0)
    assert pairs and set(network.values_list("participant_id", "moment", "measured_on")) == pairs
    programme = zwolle.first().programme
    figure = evaluation_selectors.network_change(
        evaluation_selectors.Scope(programme.municipality, programme)
    )
    assert figure.measured == 72
    assert figure.work_contacts > 0 and figure.self_rating > 0
    # Kampen's group is running: intakes only, so no change yet.
    kampen = Participant.objects.filter(municipality__name="Demo Kampen")
    assert NetworkMeasurement.objects.filter(participant__in=kampen, moment=0).exists()
    assert not NetworkMeasurement.objects.filter(participant__in=kampen, moment__gt=0).exists()


def test_the_audit_trail_names_the_moment_in_the_readers_language(consultant, participant):
    from vakwerk import audit_text

    with translation.override("en"):
        measure(consultant, participant, NetworkMoment.INTAKE, 4, 1, 3)
    entry = AuditEntry.objects.filter(participant_id=participant.pk).latest("pk")
    with translation.override("nl"):
        dutch = audit_text.describe(entry.detail, entry.object_type)
    with translation.override("en"):
        english = audit_text.describe(entry.detail, entry.object_type)
    intake = NetworkMoment.INTAKE.label
    with translation.override("nl"):
        assert str(intake) in dutch
    with translation.override("en"):
        assert str(intake) in english
    assert dutch != english
