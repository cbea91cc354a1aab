import datetime

import pytest
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from participants import services
from participants.models import Intake
from tests.participants.factories import ParticipantFactory
from tests.vakwerk.factories import UserFactory, verified_login
from vakwerk import services as core_services
from vakwerk.models import AuditEntry, FieldChange
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def participant(consultant, municipality):
    return ParticipantFactory(municipality=municipality, consultant=consultant)


def entries_about(participant, **filters):
    return list(
        AuditEntry.objects.filter(participant_id=participant.pk, **filters).values_list(
            "action", "detail"
        )
    )


def test_reading_the_participant_page_and_its_case_notes_is_logged(
    client, consultant, participant
):
    CoachingSession.objects.create(
        consultant=consultant,
        participant=participant,
        held_on=timezone.localdate(),
        minutes=45,
        notes="Vertrouwelijk",
    )
    client.force_login(consultant)
    client.get(reverse("participants:detail", args=[participant.pk]))
    assert sorted(entries_about(participant)) == [("view", "case notes"), ("view", "page")]
    entry = AuditEntry.objects.filter(participant_id=participant.pk).first()
    assert entry.user == consultant
    assert entry.role == "consultant"
    assert entry.municipality_id == consultant.municipality_id
    assert entry.at is not None


def test_reading_intake_and_edit_form_is_logged(client, consultant, participant):
    Intake.objects.create(
        participant=participant, held_on=datetime.date(2026, 2, 1), development_potential="high"
    )
    client.force_login(consultant)
    client.get(reverse("participants:intake", args=[participant.pk]))
    client.get(reverse("participants:edit", args=[participant.pk]))
    assert ("view", "intake") in entries_about(participant)
    assert ("view", "edit form with BSN") in entries_about(participant)


def test_bsn_search_is_logged_without_the_bsn(client, consultant, participant):
    client.force_login(consultant)
    client.post(reverse("participants:bsn_search"), {"bsn": participant.bsn})
    client.post(reverse("participants:bsn_search"), {"bsn": "111222333"})
    searches = AuditEntry.objects.filter(action="search").order_by("pk")
    assert [(e.participant_id, e.detail) for e in searches] == [
        (participant.pk, "BSN search: found"),
        (None, "BSN search: not found"),
    ]
    for entry in AuditEntry.objects.all():
        assert participant.bsn not in str(entry.__dict__)


def test_django_admin_reads_are_logged(client, participant):
    operator = UserFactory(role="", municipality=None, is_staff=True, is_superuser=True)
    verified_login(client, operator)
    url = reverse("admin:participants_participant_change", args=[participant.pk])
    assert client.get(url).status_code == 200
    assert ("view", "admin") in entries_about(participant)


def test_changes_are_logged_with_their_field_history(client, make_user, consultant, participant):
    services.update_participant(consultant, participant, last_name="Jansen", postcode="8011 AB")
    services.change_status(consultant, participant, "intake")
    history = {
        (c.field, c.old_value, c.new_value)
        for c in FieldChange.objects.filter(participant_id=participant.pk)
    }
    assert ("last_name", participant.last_name, "Jansen") not in history  # old value kept
    assert any(field == "last_name" and new == "Jansen" for field, _old, new in history)
    assert ("postcode", "", "8011 AB") in history
    assert ("update", "last_name, postcode") in entries_about(participant)
    assert ("update", "status") in entries_about(participant)

    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert "8011 AB" in page


def test_a_changed_bsn_is_kept_masked_in_the_history(consultant, participant):
    old = participant.bsn
    services.update_participant(consultant, participant, bsn="111222333")
    change = FieldChange.objects.get(field="bsn")
    assert (change.old_value, change.new_value) == (f"*****{old[-4:]}", "*****2333")


def test_audit_entries_share_the_transaction_of_the_change(consultant, participant):
    with pytest.raises(RuntimeError), transaction.atomic():
        services.update_participant(consultant, participant, last_name="Teruggedraaid")
        raise RuntimeError("the change fails after the audit entry was written")
    assert not AuditEntry.objects.filter(participant_id=participant.pk).exists()
    assert not FieldChange.objects.exists()


def test_logging_a_session_is_logged(client, consultant, participant):
    client.force_login(consultant)
    client.post(
        reverse("participants:session_create", args=[participant.pk]),
        {"held_on": timezone.localdate().isoformat(), "minutes": 30, "kind": "individual"},
    )
    assert ("create", "coaching session") in entries_about(participant)


def test_logins_failures_logouts_2fa_and_role_changes_are_in_the_trail(client, make_user):
    user = make_user(Role.CONSULTANT, email="c@gemeente.example")
    client.post(reverse("login"), {"username": "c@gemeente.example", "password": "fout"})
    client.post(
        reverse("login"), {"username": "c@gemeente.example", "password": "correct-horse-battery"}
    )
    client.post(reverse("logout"))
    admin = make_user(Role.ADMIN)
    core_services.update_user(admin, user, role=Role.MANAGER, is_active=True)
    actions = list(
        AuditEntry.objects.filter(user_email="c@gemeente.example")
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == ["login_failed", "login", "logout"]
    failed = AuditEntry.objects.get(action="login_failed")
    assert failed.municipality_id == user.municipality_id
    role_change = AuditEntry.objects.get(action="role_changed")
    assert (role_change.user, role_change.object_id, role_change.detail) == (
        admin,
        str(user.pk),
        "consultant → manager",
    )


def test_sessions_expire_after_the_municipality_inactivity_period(client, make_user, municipality):
    municipality.session_timeout_minutes = 15
    municipality.save()
    client.force_login(make_user(Role.MANAGER))
    assert client.session.get_expiry_age() == 15 * 60
    assert client.get(reverse("evaluation:dashboard")).status_code == 200

    from django.contrib.sessions.models import Session

    Session.objects.filter(session_key=client.session.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(seconds=1)
    )
    response = client.get(reverse("evaluation:dashboard"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


@pytest.fixture
def audit_table_refusing_inserts():
    """A real failure of the audit write: the database refuses new audit rows (this test
    runs outside a wrapping transaction, so the trigger is dropped afterwards)."""
    table = AuditEntry._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE FUNCTION test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS "
            "$$ BEGIN RAISE EXCEPTION 'audit trail unavailable'; END $$"
        )
        cursor.execute(
            f"CREATE TRIGGER test_refuse_audit BEFORE INSERT ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION test_refuse_audit()"
        )
    yield
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER test_refuse_audit ON {table}")
        cursor.execute("DROP FUNCTION test_refuse_audit()")


@pytest.mark.django_db(transaction=True)
def test_a_role_change_whose_audit_entry_fails_is_not_saved(
    make_user, audit_table_refusing_inserts
):
    """Issue 19, found 5: the role was saved in its own transaction before the audit entry."""
    admin = make_user(Role.ADMIN)
    user = make_user(Role.CONSULTANT)
    with pytest.raises(DatabaseError):
        core_services.update_user(admin, user, role=Role.MANAGER, is_active=True)
    user.refresh_from_db()
    assert user.role == Role.CONSULTANT
