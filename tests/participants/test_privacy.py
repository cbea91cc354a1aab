"""Data-subject access (inzageverzoek) and retention (anonymisation) of participants."""

import datetime
import io
import json
from decimal import Decimal

import pytest
from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import connection, models
from django.db.models import Count
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultants import services as consultant_services
from consultants.models import CoachingSession
from participants import privacy, services
from participants.forms import ParticipantForm
from participants.models import (
    CohortMeeting,
    Intake,
    OutcomeMeasurement,
    Participant,
    Status,
    StatusChange,
    TalentProfile,
)
from participants.tasks import anonymise_expired_participants
from participants.validators import BSNValidator
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.participants.personal_records import fill_everything
from tests.vakwerk.factories import MunicipalityFactory, ProgrammeFactory
from vakwerk import audit, privacy_declarations
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry, FieldChange
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

OTHER_ROLES = [Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.EMPLOYER, Role.RESEARCHER]


@pytest.fixture
def admin(make_user):
    return make_user(Role.ADMIN)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def programme(municipality):
    return ProgrammeFactory(
        municipality=municipality,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2027, 6, 30),
    )


@pytest.fixture
def cohort(programme):
    return CohortFactory(programme=programme)


def fill_record(participant, consultant, cohort, tag, *, present):
    """Gives a participant one of everything the export must contain, each text marked
    with `tag` so that a leak between participants is visible."""
    services.change_status(consultant, participant, Status.INTAKE, note=f"status note {tag}")
    services.record_intake(
        consultant,
        participant,
        rung=2,
        held_on=datetime.date(2026, 1, 12),
        development_potential="high",
        passion_inventory=f"passion {tag}",
        notes=f"intake notes {tag}",
        selection_motivation=f"selection motivation {tag}",
    )
    services.record_ladder_rung(
        consultant, participant, rung=3, recorded_on=datetime.date(2026, 5, 1)
    )
    services.enrol(consultant, cohort, participant, enrolled_on=datetime.date(2026, 1, 20))
    meeting, _created = CohortMeeting.objects.get_or_create(
        cohort=cohort, held_on=datetime.date(2026, 2, 9), topic="Kennismaking"
    )
    # Attendance is recorded for the whole group at once: keep who was present before.
    present_ids = set(
        meeting.attendance.filter(present=True).values_list("participant_id", flat=True)
    )
    if present:
        present_ids.add(participant.pk)
    cohort.trainers.add(consultant)  # attendance is the trainer's to record
    services.record_attendance(consultant, meeting, present_ids)
    TalentProfile.objects.create(participant=participant, skills=f"talent {tag}")
    consultant_services.log_coaching_session(
        consultant,
        participant,
        held_on=datetime.date(2026, 3, 3),
        minutes=45,
        themes=["cv"],
        notes=f"session notes {tag}",
        agreed_actions=f"actions {tag}",
    )
    outcome = OutcomeMeasurement.objects.get(participant=participant, follow_up=3)
    services.record_outcome(
        consultant,
        outcome,
        measured_on=datetime.date(2026, 7, 24),
        employment="full_time",
        hours_per_week=36,
        contract="permanent",
        benefit_status="none",
        benefit_end_reason="work",
        source="participant",
    )
    FieldChange.objects.create(
        changed_by=consultant,
        object_type="participant",
        object_id=str(participant.pk),
        participant_id=participant.pk,
        field="postcode",
        field_label="postcode",
        old_value=f"old postcode {tag}",
        new_value=f"new postcode {tag}",
    )
    audit.record(consultant, AuditAction.VIEW, obj=participant, participant_id=participant.pk)
    return participant


@pytest.fixture
def anna(municipality, consultant, programme, cohort):
    participant = ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        programme=programme,
        first_name="Anna",
        last_name="Inzage",
        postcode="8011 AB",
        monthly_benefit="1234.56",
    )
    return fill_record(participant, consultant, cohort, "ANNA", present=True)


@pytest.fixture
def bram(municipality, consultant, programme, cohort):
    participant = ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        programme=programme,
        first_name="Bram",
        last_name="Zwaluwstaart",
        benefit_type="ww",
        birth_date=datetime.date(1968, 2, 1),
    )
    return fill_record(participant, consultant, cohort, "BRAM", present=False)


# --- Data-subject access: the data -------------------------------------------------------


def test_export_holds_everything_about_the_participant_and_nothing_of_another(admin, anna, bram):
    data = privacy.subject_access_data(admin, anna)
    text = json.dumps(data)  # JSON-serialisable as it is: no custom encoder needed

    assert data["participant"]["id"] == anna.pk
    assert data["participant"]["bsn"] == anna.bsn  # in full: it is their own data
    assert data["participant"]["birth_date"] == "1990-05-17"
    assert [s["notes"] for s in data["coaching_sessions"]] == ["session notes ANNA"]
    assert data["coaching_sessions"][0]["agreed_actions"] == "actions ANNA"
    assert {s["id"] for s in data["coaching_sessions"]} == set(
        CoachingSession.objects.filter(participant=anna).values_list("pk", flat=True)
    )
    assert data["status_history"][-1]["note"] == "status note ANNA"
    assert data["intake"]["notes"] == "intake notes ANNA"
    assert [r["rung"] for r in data["participation_ladder"]] == [2, 3]
    assert len(data["enrolments"]) == 1
    assert [(row["present"], row["meeting_display"]) for row in data["attendance"]] == [
        (True, "Groep 1: Kennismaking".replace("Groep 1", data["enrolments"][0]["cohort_display"]))
    ]
    assert len(data["outcome_measurements"]) == 4
    assert data["talent_profile"]["skills"] == "talent ANNA"
    assert "old postcode ANNA" in [change["old_value"] for change in data["field_history"]]

    audit_ids = {entry["id"] for entry in data["audit_entries"]}
    assert audit_ids == set(
        AuditEntry.objects.filter(participant_id=anna.pk).values_list("pk", flat=True)
    )
    assert {"at", "user_email", "role", "action", "detail", "purpose"} <= set(
        data["audit_entries"][0]
    )

    # Every row that names a participant names Anna.
    rows = (
        data["status_history"]
        + data["participation_ladder"]
        + data["outcome_measurements"]
        + data["coaching_sessions"]
        + data["field_history"]
        + [data["intake"], data["talent_profile"]]
    )
    assert {row["participant_id"] for row in rows} == {anna.pk}

    # Nothing of Bram: not his texts, name or BSN, nor his sessions or audit entries.
    for needle in ("BRAM", "Bram", "Zwaluwstaart", bram.bsn):
        assert needle not in text, needle
    assert not audit_ids & set(
        AuditEntry.objects.filter(participant_id=bram.pk).values_list("pk", flat=True)
    )
    assert not {s["id"] for s in data["coaching_sessions"]} & set(
        CoachingSession.objects.filter(participant=bram).values_list("pk", flat=True)
    )


def test_export_takes_the_same_number_of_queries_however_large_the_file(
    admin, anna, municipality, consultant
):
    empty = ParticipantFactory(municipality=municipality)
    with CaptureQueriesContext(connection) as small:
        privacy.subject_access_data(admin, empty)
    for day in range(1, 6):
        consultant_services.log_coaching_session(
            consultant, anna, held_on=datetime.date(2026, 4, day), minutes=30, notes="extra"
        )
    with CaptureQueriesContext(connection) as large:
        privacy.subject_access_data(admin, anna)
    # One query per declared model, and one for the participant with their municipality.
    assert len(large) == len(small) <= 1 + len(privacy_declarations.holdings())


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_only_an_admin_may_collect_the_data(make_user, anna, role):
    with pytest.raises(PermissionDenied):
        privacy.subject_access_data(make_user(role), anna)


def test_an_admin_of_another_municipality_may_not_collect_the_data(
    make_user, anna, other_municipality
):
    with pytest.raises(PermissionDenied):
        privacy.subject_access_data(make_user(Role.ADMIN, municipality=other_municipality), anna)


def test_pdf_is_generated(admin, anna, municipality):
    pdf = privacy.subject_access_pdf(privacy.subject_access_data(admin, anna), municipality)
    assert pdf.startswith(b"%PDF-")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert len(pdf) > 5000


# --- Data-subject access: the pages ------------------------------------------------------


def test_admin_finds_a_participant_by_bsn_in_a_post(client, admin, anna):
    client.force_login(admin)
    url = reverse("participants:subject_access")
    assert client.get(url).status_code == 200
    response = client.post(url, {"bsn": anna.bsn})
    assert response.status_code == 200
    assert response.context["participant"] == anna
    page = response.content.decode()
    assert anna.masked_bsn in page
    assert anna.bsn not in page
    assert reverse("participants:subject_access_json", args=[anna.pk]) in page
    assert reverse("participants:subject_access_pdf", args=[anna.pk]) in page
    # Django's error reports leave the BSN out.
    assert response.wsgi_request.sensitive_post_parameters == ("bsn",)
    entry = AuditEntry.objects.get(participant_id=anna.pk, action=AuditAction.SEARCH)
    assert (entry.user, entry.purpose) == (admin, "inzageverzoek")


def test_a_bsn_typed_with_spaces_and_dots_finds_the_participant(client, admin, anna):
    """As it is often written on a letter: 1234 56 782, or 1234.56.782 (vakwerk.bsn)."""
    client.force_login(admin)
    for typed in (
        f"{anna.bsn[:4]} {anna.bsn[4:6]} {anna.bsn[6:]}",
        f" {anna.bsn[:4]}.{anna.bsn[4:6]}.{anna.bsn[6:]} ",
    ):
        response = client.post(reverse("participants:subject_access"), {"bsn": typed})
        assert response.status_code == 200
        assert response.context["participant"] == anna


def test_an_unknown_bsn_gives_a_form_error(client, admin, anna):
    client.force_login(admin)
    other_valid_bsn = "111222333"
    response = client.post(reverse("participants:subject_access"), {"bsn": other_valid_bsn})
    assert response.status_code == 200
    assert "bsn" in response.context["form"].errors
    assert "participant" not in response.context


def test_an_invalid_bsn_gives_a_form_error(client, admin, anna):
    client.force_login(admin)
    response = client.post(reverse("participants:subject_access"), {"bsn": "123456789"})
    assert response.context["form"].errors["bsn"] == [BSNValidator.message]
    assert not AuditEntry.objects.filter(action=AuditAction.SEARCH).exists()


def test_an_admin_of_another_municipality_does_not_find_the_bsn(
    client, make_user, anna, other_municipality
):
    client.force_login(make_user(Role.ADMIN, municipality=other_municipality))
    response = client.post(reverse("participants:subject_access"), {"bsn": anna.bsn})
    assert "bsn" in response.context["form"].errors
    assert "participant" not in response.context


def test_json_download_is_the_export_and_is_logged(client, admin, anna):
    client.force_login(admin)
    response = client.post(reverse("participants:subject_access_json", args=[anna.pk]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    assert anna.bsn not in response["Content-Disposition"]
    data = json.loads(response.content)
    assert data["participant"]["id"] == anna.pk
    assert data["coaching_sessions"][0]["notes"] == "session notes ANNA"
    entry = AuditEntry.objects.get(participant_id=anna.pk, action=AuditAction.EXPORT)
    assert (entry.user, entry.detail, entry.purpose) == (
        admin,
        "data-subject access JSON",
        "inzageverzoek",
    )
    assert (entry.object_type, entry.object_id) == ("participant", str(anna.pk))


def test_pdf_download_is_a_pdf_and_is_logged(client, admin, anna):
    client.force_login(admin)
    response = client.post(reverse("participants:subject_access_pdf", args=[anna.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    entry = AuditEntry.objects.get(participant_id=anna.pk, action=AuditAction.EXPORT)
    assert (entry.user, entry.detail) == (admin, "data-subject access PDF")


def test_downloads_are_post_only(client, admin, anna):
    client.force_login(admin)
    for name in ("subject_access_json", "subject_access_pdf"):
        assert client.get(reverse(f"participants:{name}", args=[anna.pk])).status_code == 405
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_admin_of_another_municipality_gets_404_on_downloads(
    client, make_user, anna, other_municipality
):
    client.force_login(make_user(Role.ADMIN, municipality=other_municipality))
    for name in ("subject_access_json", "subject_access_pdf"):
        assert client.post(reverse(f"participants:{name}", args=[anna.pk])).status_code == 404
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


@pytest.mark.parametrize("role", OTHER_ROLES)
def test_every_other_role_gets_403_on_subject_access(client, make_user, anna, role):
    client.force_login(make_user(role))
    url = reverse("participants:subject_access")
    assert client.get(url).status_code == 403
    assert client.post(url, {"bsn": anna.bsn}).status_code == 403
    for name in ("subject_access_json", "subject_access_pdf"):
        assert client.post(reverse(f"participants:{name}", args=[anna.pk])).status_code == 403
    assert not AuditEntry.objects.filter(action=AuditAction.EXPORT).exists()


def test_anonymous_users_are_sent_to_the_login_page(client, anna):
    for url in (
        reverse("participants:subject_access"),
        reverse("participants:retention_overview"),
    ):
        assert client.get(url).status_code == 302


# --- Anonymisation -----------------------------------------------------------------------


def outcome_figures():
    """What the evaluation counts: participants and follow-ups by status, target group,
    benefit type, follow-up, employment and benefit status."""
    participants = sorted(
        Participant.objects.values_list("status", "target_group", "benefit_type").annotate(
            n=Count("pk")
        )
    )
    outcomes = sorted(
        OutcomeMeasurement.objects.values_list(
            "participant__status",
            "participant__target_group",
            "participant__benefit_type",
            "cohort_id",
            "follow_up",
            "employment",
            "benefit_status",
            "benefit_end_reason",
        ).annotate(n=Count("pk"))
    )
    return participants, outcomes


def test_anonymisation_blanks_identity_and_notes_and_keeps_the_figures(anna, bram):
    services.change_status(anna.consultant, anna, Status.SELECTED, note="notitie")
    before = outcome_figures()
    target_group, status = anna.target_group, anna.status
    when = timezone.now()

    assert privacy.anonymise(anna, when) is True

    assert outcome_figures() == before
    anna.refresh_from_db()
    assert anna.bsn is None
    assert anna.birth_date is None
    assert (anna.first_name, anna.last_name) == ("Geanonimiseerd", f"#{anna.pk}")
    assert anna.postcode == ""
    assert anna.monthly_benefit is None
    assert anna.anonymised_at == when
    assert (anna.target_group, anna.status, anna.benefit_type) == (
        target_group,
        status,
        "bijstand",
    )
    assert anna.consultant is not None
    session = CoachingSession.objects.get(participant=anna)
    assert (session.notes, session.agreed_actions) == ("", "")
    intake = Intake.objects.get(participant=anna)
    assert (intake.notes, intake.passion_inventory) == ("", "")
    assert intake.development_potential == "high"
    assert not TalentProfile.objects.filter(participant=anna).exists()
    assert set(StatusChange.objects.filter(participant=anna).values_list("note", flat=True)) == {
        ""
    }
    assert set(
        FieldChange.objects.filter(participant_id=anna.pk).values_list("old_value", "new_value")
    ) == {("", "")}
    assert OutcomeMeasurement.objects.filter(participant=anna).measured().count() == 1
    entry = AuditEntry.objects.get(participant_id=anna.pk, action=AuditAction.ANONYMISE)
    assert entry.user is None
    assert entry.municipality_id == anna.municipality_id

    # The other participant is untouched.
    bram.refresh_from_db()
    assert bram.last_name == "Zwaluwstaart"
    assert CoachingSession.objects.get(participant=bram).notes == "session notes BRAM"
    assert TalentProfile.objects.filter(participant=bram).exists()


def test_anonymisation_is_idempotent(anna):
    assert privacy.anonymise(anna, timezone.now()) is True
    first = Participant.objects.get(pk=anna.pk).anonymised_at
    assert privacy.anonymise(Participant.objects.get(pk=anna.pk), timezone.now()) is False
    assert Participant.objects.get(pk=anna.pk).anonymised_at == first
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 1


def test_an_anonymised_participant_can_still_be_saved_and_exported(admin, anna):
    privacy.anonymise(anna, timezone.now())
    anna.refresh_from_db()
    target_group = anna.target_group
    anna.save()  # no birth date: the target group is kept, not recomputed
    assert Participant.objects.get(pk=anna.pk).target_group == target_group
    data = privacy.subject_access_data(admin, anna)
    assert data["participant"]["bsn"] is None
    assert data["participant"]["anonymised_at"]


def test_two_anonymised_participants_do_not_collide_on_the_bsn(anna, bram):
    privacy.anonymise(anna, timezone.now())
    privacy.anonymise(bram, timezone.now())
    assert Participant.objects.filter(bsn__isnull=True).count() == 2


def test_forms_still_require_bsn_and_birth_date(consultant):
    form = ParticipantForm(data={}, user=consultant)
    assert not form.is_valid()
    assert "bsn" in form.errors
    assert "birth_date" in form.errors


# --- Which participants are due ----------------------------------------------------------


@pytest.fixture
def retention_municipality():
    return MunicipalityFactory(name="Gemeente R", cbs_code="0003", retention_years=5)


def due_pks(municipality, on_date):
    return set(privacy.anonymisation_due(municipality, on_date).values_list("pk", flat=True))


def ended_programme(municipality, end_date, name):
    return ProgrammeFactory(
        municipality=municipality,
        name=name,
        start_date=datetime.date(2015, 1, 1),
        end_date=end_date,
    )


def test_due_counts_from_the_programme_end(retention_municipality):
    programme = ended_programme(retention_municipality, datetime.date(2020, 6, 30), "P")
    participant = ParticipantFactory(
        municipality=retention_municipality,
        programme=programme,
        enrolled_on=datetime.date(2019, 1, 7),
    )
    # Exactly five years after the end is not yet "more than five years".
    assert due_pks(retention_municipality, datetime.date(2025, 6, 30)) == set()
    assert due_pks(retention_municipality, datetime.date(2025, 7, 1)) == {participant.pk}
    row = privacy.anonymisation_due(retention_municipality, datetime.date(2025, 7, 1)).get()
    assert row.programme_ended_on == datetime.date(2020, 6, 30)


def test_due_counts_from_the_last_follow_up_of_the_latest_group(retention_municipality):
    programme = ended_programme(retention_municipality, datetime.date(2020, 6, 30), "P")
    participant = ParticipantFactory(municipality=retention_municipality, programme=programme)
    for name, end in (("early", datetime.date(2019, 6, 28)), ("late", datetime.date(2020, 3, 31))):
        cohort = CohortFactory(
            programme=programme, name=name, start_date=end - relativedelta(months=3), end_date=end
        )
        participant.enrolments.create(cohort=cohort, enrolled_on=cohort.start_date)
    # The latest group ended 31 March 2020; its 18-month follow-up was 30 September 2021.
    assert due_pks(retention_municipality, datetime.date(2026, 9, 30)) == set()
    assert due_pks(retention_municipality, datetime.date(2026, 10, 1)) == {participant.pk}


def test_due_with_a_group_in_a_programme_without_end_date(retention_municipality):
    programme = ended_programme(retention_municipality, None, "Lopend")
    participant = ParticipantFactory(municipality=retention_municipality, programme=programme)
    cohort = CohortFactory(
        programme=programme,
        start_date=datetime.date(2019, 6, 3),
        end_date=datetime.date(2019, 8, 31),
    )
    participant.enrolments.create(cohort=cohort, enrolled_on=cohort.start_date)
    # Month arithmetic like the follow-up schedule: 31 Aug 2019 + 18 months = 28 Feb 2021.
    assert services.follow_up_due_date(cohort.end_date, 18) == datetime.date(2021, 2, 28)
    assert due_pks(retention_municipality, datetime.date(2026, 2, 28)) == set()
    assert due_pks(retention_municipality, datetime.date(2026, 3, 1)) == {participant.pk}


def test_due_without_programme_or_group_counts_from_enrolment(
    retention_municipality, municipality
):
    participant = ParticipantFactory(
        municipality=retention_municipality, enrolled_on=datetime.date(2019, 2, 1)
    )
    anonymised = ParticipantFactory(
        municipality=retention_municipality,
        enrolled_on=datetime.date(2010, 1, 4),
        anonymised_at=timezone.now(),
    )
    elsewhere = ParticipantFactory(
        municipality=municipality, enrolled_on=datetime.date(2010, 1, 4)
    )
    assert due_pks(retention_municipality, datetime.date(2024, 2, 1)) == set()
    assert due_pks(retention_municipality, datetime.date(2024, 2, 2)) == {participant.pk}
    assert anonymised.pk not in due_pks(retention_municipality, datetime.date(2030, 1, 1))
    assert elsewhere.pk not in due_pks(retention_municipality, datetime.date(2030, 1, 1))


def test_the_retention_period_is_per_municipality(retention_municipality, municipality):
    municipality.retention_years = 2
    municipality.save()
    short = ParticipantFactory(municipality=municipality, enrolled_on=datetime.date(2020, 1, 6))
    long = ParticipantFactory(
        municipality=retention_municipality, enrolled_on=datetime.date(2020, 1, 6)
    )
    on_date = datetime.date(2023, 1, 9)
    assert due_pks(municipality, on_date) == {short.pk}
    assert due_pks(retention_municipality, on_date) == set()
    assert long.pk in due_pks(retention_municipality, datetime.date(2025, 1, 7))


# --- The nightly task --------------------------------------------------------------------


def test_beat_task_anonymises_the_expired_participants(municipality):
    from vakwerk.celery import app

    today = timezone.localdate()
    old = ended_programme(municipality, today - relativedelta(years=6), "Oud")
    running = ended_programme(municipality, today + relativedelta(years=1), "Lopend")
    expired = ParticipantFactory(
        municipality=municipality, programme=old, enrolled_on=old.start_date
    )
    current = ParticipantFactory(
        municipality=municipality, programme=running, enrolled_on=today - relativedelta(years=7)
    )

    assert anonymise_expired_participants.delay().get() == 1

    expired.refresh_from_db()
    current.refresh_from_db()
    assert expired.anonymised_at is not None
    assert expired.bsn is None
    assert current.anonymised_at is None
    assert current.bsn
    # A second run finds nothing left to do.
    assert anonymise_expired_participants.delay().get() == 0
    assert AuditEntry.objects.filter(action=AuditAction.ANONYMISE).count() == 1
    schedule = app.conf.beat_schedule["anonymise-expired-participants"]
    assert schedule["task"] == "participants.tasks.anonymise_expired_participants"


# --- Retention overview ------------------------------------------------------------------


def make_due(municipality, ended_on, count=1):
    programme = ended_programme(municipality, ended_on, f"Afgerond {ended_on}")
    return [
        ParticipantFactory(municipality=municipality, programme=programme, enrolled_on=ended_on)
        for _ in range(count)
    ]


@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_retention_overview_lists_next_months_participants(client, make_user, municipality, role):
    today = timezone.localdate()
    years = municipality.retention_years
    already_due = make_due(municipality, today - relativedelta(years=years + 2))
    this_month = make_due(
        municipality, today - relativedelta(years=years) + relativedelta(days=10)
    )
    later = make_due(municipality, today - relativedelta(years=years) + relativedelta(days=45))
    done = make_due(municipality, today - relativedelta(years=years + 3))
    Participant.objects.filter(pk=done[0].pk).update(anonymised_at=timezone.now())

    client.force_login(make_user(role))
    response = client.get(reverse("participants:retention_overview"))
    assert response.status_code == 200
    listed = {participant.pk for participant in response.context["due"]}
    assert listed == {already_due[0].pk, this_month[0].pk}
    assert later[0].pk not in listed
    assert response.context["retention_years"] == years
    page = response.content.decode()
    assert this_month[0].last_name in page
    for participant in already_due + this_month:
        assert participant.bsn not in page


def test_retention_overview_query_count_does_not_grow(client, make_user, municipality):
    client.force_login(make_user(Role.MANAGER))
    url = reverse("participants:retention_overview")
    long_ago = timezone.localdate() - relativedelta(years=10)
    make_due(municipality, long_ago, count=2)
    with CaptureQueriesContext(connection) as few:
        assert len(client.get(url).context["due"]) == 2
    make_due(municipality, long_ago - relativedelta(days=1), count=8)
    with CaptureQueriesContext(connection) as many:
        assert len(client.get(url).context["due"]) == 10
    assert len(many) == len(few)


@pytest.mark.parametrize("role", [Role.CONSULTANT, Role.WSP, Role.EMPLOYER, Role.RESEARCHER])
def test_retention_overview_is_for_managers_and_admins(client, make_user, role):
    client.force_login(make_user(role))
    assert client.get(reverse("participants:retention_overview")).status_code == 403


def test_anonymisation_clears_match_reasons_and_placement_handover(municipality, make_user):
    import datetime as _dt

    from employers.models import Match, Placement
    from participants.privacy import anonymise
    from tests.employers.factories import OpportunityFactory
    from tests.participants.factories import ParticipantFactory

    participant = ParticipantFactory(municipality=municipality)
    match = Match.objects.create(
        participant=participant,
        opportunity=OpportunityFactory(employer__municipality=municipality),
        stage="hired",
        rejection_reason="Te weinig ervaring met klanten",
    )
    Placement.objects.create(
        match=match,
        start_date=_dt.date(2026, 3, 1),
        contract="temporary",
        hours_per_week=32,
        handover="Heeft moeite met vroege diensten vanwege de kinderen",
    )
    anonymise(participant, timezone.now())
    match.refresh_from_db()
    assert match.rejection_reason == ""
    assert Placement.objects.get(match=match).handover == ""
    assert match.stage == "hired"


# --- Built from the declarations: every record, however far from the participant --------


@pytest.fixture
def carla(municipality, consultant, make_user, programme, cohort):
    """A participant with one of everything, answers, placements and commitments too."""
    participant = ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        programme=programme,
        first_name="Carla",
        last_name="Volledig",
    )
    manager = make_user(Role.MANAGER)
    return fill_everything(participant, consultant, manager, cohort, "CARLA")


@pytest.fixture
def dirk(municipality, consultant, make_user, programme, cohort):
    participant = ParticipantFactory(
        municipality=municipality, consultant=consultant, programme=programme, first_name="Dirk"
    )
    return fill_everything(participant, consultant, make_user(Role.MANAGER), cohort, "DIRK")


def _pdf_text(pdf):
    from pypdf import PdfReader

    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def _free_texts(participant):
    """Every non-empty free text stored about the participant, per declared model."""
    texts = []
    for item in privacy_declarations.holdings():
        model = item.get_model()
        names = [
            field.name
            for field in model._meta.concrete_fields
            if isinstance(field, models.CharField | models.TextField)
            and not field.choices
            and field.name in item.blank
        ]
        if not names:
            continue
        for row in item.rows_of(participant).values(*names):
            texts += [value for value in row.values() if value]
    return texts


def test_inzage_holds_answers_placements_commitments_matches_and_every_free_text(
    client, admin, carla, dirk
):
    client.force_login(admin)
    data = json.loads(
        client.post(reverse("participants:subject_access_json", args=[carla.pk])).content
    )

    answers = {row["question_display"]: row for row in data["questionnaire_answers"]}
    assert answers["Toelichting"]["text"] == "open answer CARLA"
    assert answers["Uren per week"]["number"] == "12.50"
    assert answers["Wat hielp het meest?"]["choice"] == "Netwerk"
    assert [row["email"] for row in data["questionnaire_invitations"]] == ["carla@post.example"]
    assert len(data["questionnaire_responses"]) == 1

    assert [row["handover"] for row in data["placements"]] == ["handover CARLA"]
    assert sorted((row["stage"], row["rejection_reason"]) for row in data["matches"]) == [
        ("hired", ""),
        ("rejected", "match reason CARLA"),
    ]
    commitments = {row["purpose"]: row for row in data["commitments"]}
    assert commitments["commitment purpose CARLA"]["amount"] == "750.00"
    assert commitments["commitment purpose CARLA"]["status_display"] == "Toegekend"
    assert commitments["refused purpose CARLA"]["rejection_reason"] == "commitment reason CARLA"
    assert commitments["refused purpose CARLA"]["status"] == "rejected"
    assert sorted(row["kind"] for row in data["ledger_entries"]) == ["commitment", "expenditure"]

    text = json.dumps(data, ensure_ascii=False)
    texts = _free_texts(carla)
    assert len(texts) >= 15
    for value in texts:
        assert value in text, value
    for needle in ("DIRK", "Dirk", dirk.bsn):
        assert needle not in text, needle

    pdf = _pdf_text(
        client.post(reverse("participants:subject_access_pdf", args=[carla.pk])).content
    )
    # Read back as text; the tagged texts are short enough not to wrap (the field
    # history's dates are shown as dates there).
    for value in (text for text in texts if "CARLA" in text):
        assert value in pdf, value
    for heading in ("Vragenlijstantwoorden", "Plaatsingen", "Verplichtingen uit potjes"):
        assert heading in pdf, heading
    assert "DIRK" not in pdf


def test_anonymisation_leaves_no_free_text_and_keeps_the_figures(carla, dirk):
    from employers.models import Match
    from evaluation.questionnaires.models import Answer
    from funding.models import Commitment, LedgerEntry

    def figures():
        return (
            outcome_figures(),
            sorted(Commitment.objects.values_list("participant", "amount", "status", "fund")),
            sorted(Match.objects.values_list("participant", "stage", "score")),
            sorted(Answer.objects.values_list("question", "number", "choice")),
            sorted(LedgerEntry.objects.values_list("kind", "amount", "commitment")),
            {
                item.section: item.rows_of(carla).count()
                for item in privacy_declarations.holdings()
                # The audit trail gains the anonymisation itself.
                if not item.delete and item.section != "audit_entries"
            },
        )

    before = figures()
    dirk_texts = _free_texts(dirk)

    assert privacy.anonymise(carla, timezone.now()) is True

    assert figures() == before
    for item in privacy_declarations.holdings():
        rows = item.rows_of(carla)
        if item.delete:
            assert not rows.exists(), item.model
            continue
        for name, value in item.blank.items():
            expected = value(carla) if callable(value) else value
            assert set(rows.values_list(name, flat=True)) <= {expected}, (item.model, name)
        # Nothing of what was typed about Carla survives anywhere, kept texts included.
        for row in rows.values():
            assert "CARLA" not in str(row), (item.model, row)
    assert not [text for text in _free_texts(carla) if "CARLA" in text]
    assert _free_texts(dirk) == dirk_texts


def test_the_append_only_ledger_never_gets_personal_text(make_user, municipality):
    """What cannot be anonymised later may not hold personal text now: booking a commitment
    writes its number, not its purpose, and a booking text that names the person is
    refused with a Dutch error on the description."""
    from django.core.exceptions import ValidationError

    from funding import services as funding_services
    from funding.models import LedgerEntry
    from tests.funding.factories import approved, funded

    manager, consultant = make_user(Role.MANAGER), make_user(Role.CONSULTANT)
    participant = ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="de Vries"
    )
    fund = funded(manager, "1000.00")
    commitment = approved(manager, consultant, fund, participant, "300.00", purpose="Rijbewijs")
    booking = LedgerEntry.objects.get(commitment=commitment)
    assert booking.description == f"Verplichting {commitment.pk}"
    assert "Rijbewijs" not in booking.description

    for text in ("Rijles voor mevrouw De Vries", f"Factuur {participant.bsn}"):
        with pytest.raises(ValidationError) as refused:
            funding_services.book_expenditure(
                manager, fund, Decimal("100.00"), text, commitment=commitment
            )
        assert "zonder de deelnemer te noemen" in refused.value.message_dict["description"][0]
    funding_services.book_expenditure(
        manager, fund, Decimal("100.00"), "Factuur rijschool", commitment=commitment
    )
    assert LedgerEntry.objects.filter(commitment=commitment).count() == 2
