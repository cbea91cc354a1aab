import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from participants import services
from participants.models import OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import bsn_from_number
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def participant(consultant, municipality):
    return ParticipantFactory(municipality=municipality, consultant=consultant, last_name="Visser")


def participant_pages(participant):
    return [
        reverse("participants:detail", args=[participant.pk]),
        reverse("participants:edit", args=[participant.pk]),
        reverse("participants:intake", args=[participant.pk]),
        reverse("participants:session_create", args=[participant.pk]),
    ]


@pytest.mark.parametrize("role", [Role.WSP, Role.EMPLOYER, Role.RESEARCHER, Role.ADMIN])
def test_other_roles_get_403_on_every_participant_page(client, make_user, participant, role):
    client.force_login(make_user(role))
    urls = participant_pages(participant) + [
        reverse("participants:caseload"),
        reverse("participants:tasks"),
        reverse("participants:create"),
        reverse("participants:cohort_list"),
        reverse("participants:import_upload"),
    ]
    for url in urls:
        assert client.get(url).status_code == 403, url


def test_another_municipality_gets_404(client, make_user, participant, other_municipality):
    client.force_login(make_user(Role.MANAGER, municipality=other_municipality))
    for url in participant_pages(participant)[:3]:
        assert client.get(url).status_code == 404, url


def test_a_consultant_sees_only_their_caseload_and_groups_they_lead(
    client, make_user, municipality, consultant, participant
):
    colleague = make_user(Role.CONSULTANT)
    theirs = ParticipantFactory(municipality=municipality, consultant=colleague)
    client.force_login(consultant)
    assert client.get(reverse("participants:detail", args=[theirs.pk])).status_code == 404

    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    services.enrol(colleague, cohort, theirs)
    assert client.get(reverse("participants:cohort_detail", args=[cohort.pk])).status_code == 404
    cohort.trainers.add(consultant)
    assert client.get(reverse("participants:cohort_detail", args=[cohort.pk])).status_code == 200
    assert client.get(reverse("participants:detail", args=[theirs.pk])).status_code == 200


def test_a_consultant_in_a_group_only_through_their_participant_cannot_take_it_over(
    client, make_user, municipality, consultant, participant
):
    trainer = make_user(Role.CONSULTANT)
    theirs = ParticipantFactory(municipality=municipality, consultant=trainer, last_name="Ander")
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    cohort.trainers.add(trainer)
    services.enrol(trainer, cohort, theirs)
    services.enrol(consultant, cohort, participant)
    meeting = services.add_meeting(trainer, cohort, held_on=datetime.date(2026, 2, 9),
                                   topic="Kennismaking")  # fmt: skip
    client.force_login(consultant)

    page = client.get(reverse("participants:cohort_detail", args=[cohort.pk]))
    assert page.status_code == 200
    assert [e.participant for e in page.context["enrolments"]] == [participant]
    html = page.content.decode()
    assert "Ander" not in html
    assert reverse("participants:cohort_edit", args=[cohort.pk]) not in html
    assert 'data-testid="others-hidden"' in html
    # Making themselves trainer would open every member's file: refused, as is running it.
    edit = reverse("participants:cohort_edit", args=[cohort.pk])
    assert client.get(edit).status_code == 404
    assert client.post(edit, {"trainers": [consultant.pk]}).status_code == 404
    assert list(cohort.trainers.all()) == [trainer]
    add = reverse("participants:meeting_create", args=[cohort.pk])
    assert client.post(add, {"held_on": "2026-02-16", "topic": "X"}).status_code == 404
    attendance = reverse("participants:meeting_attendance", args=[meeting.pk])
    assert client.post(attendance, {"present": [theirs.pk]}).status_code == 404
    with pytest.raises(PermissionDenied):
        services.update_cohort(consultant, cohort, trainers=[consultant, trainer])
    with pytest.raises(PermissionDenied):
        services.record_attendance(consultant, meeting, [participant.pk])
    assert client.get(reverse("participants:detail", args=[theirs.pk])).status_code == 404
    # The trainer leads it: editing and attendance work.
    client.force_login(trainer)
    assert client.get(edit).status_code == 200
    assert client.get(attendance).status_code == 200


def test_bsn_is_masked_on_the_participant_page_and_absent_from_lists(
    client, consultant, participant
):
    client.force_login(consultant)
    for url in (reverse("participants:caseload"), reverse("participants:tasks")):
        assert participant.bsn not in client.get(url).content.decode(), url
    detail = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert participant.bsn not in detail
    assert participant.masked_bsn in detail
    edit = client.get(reverse("participants:edit", args=[participant.pk])).content.decode()
    assert participant.bsn in edit


def test_bsn_search_is_exact_and_never_in_the_url(client, consultant, participant):
    client.force_login(consultant)
    assert client.get(reverse("participants:bsn_search") + "?bsn=1").status_code == 405
    response = client.post(reverse("participants:bsn_search"), {"bsn": participant.bsn})
    assert response.url == reverse("participants:detail", args=[participant.pk])
    response = client.post(reverse("participants:bsn_search"), {"bsn": participant.bsn[:-1]})
    assert response.url == reverse("participants:caseload")


def test_bsn_search_finds_a_bsn_typed_without_its_leading_zero(client, consultant, municipality):
    bsn = bsn_from_number(1_234_567)
    assert bsn.startswith("0")
    person = ParticipantFactory(municipality=municipality, consultant=consultant, bsn=bsn)
    client.force_login(consultant)
    response = client.post(reverse("participants:bsn_search"), {"bsn": bsn[1:]})
    assert response.url == reverse("participants:detail", args=[person.pk])


def test_caseload_filters_search_and_sorts(client, consultant, municipality):
    ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="Aalders", status="intake"
    )
    ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        last_name="Zwart",
        benefit_type="ww",
        birth_date=datetime.date(1970, 1, 1),
    )
    client.force_login(consultant)

    def names(**query):
        response = client.get(reverse("participants:caseload"), query)
        return [p.last_name for p in response.context["page"]]

    assert names() == ["Aalders", "Zwart"]
    assert names(sort="-name") == ["Zwart", "Aalders"]
    assert names(status="intake") == ["Aalders"]
    assert names(benefit_type="ww") == ["Zwart"]
    assert names(target_group="older") == ["Zwart"]
    assert names(q="zwa") == ["Zwart"]


def test_logging_a_session_puts_it_on_the_timeline(client, consultant, participant):
    client.force_login(consultant)
    page = client.get(reverse("participants:detail", args=[participant.pk]))
    form = page.context["session_form"]
    assert form.initial["held_on"] == timezone.localdate()
    assert form.initial["minutes"] == 45
    response = client.post(
        reverse("participants:session_create", args=[participant.pk]),
        {
            "held_on": timezone.localdate().isoformat(),
            "minutes": 30,
            "kind": "individual",
            "themes": ["interview", "cv"],
            "notes": "Oefengesprek voor de vacature bij de zorggroep.",
            "agreed_actions": "Cv aanpassen",
        },
    )
    assert response.url == reverse("participants:detail", args=[participant.pk])
    session = CoachingSession.objects.get()
    assert session.consultant == consultant
    assert session.themes == ["interview", "cv"]
    timeline = client.get(response.url).content.decode()
    assert "Oefengesprek voor de vacature bij de zorggroep." in timeline
    # The next session is pre-filled with the duration this consultant used last.
    assert client.get(response.url).context["session_form"].initial["minutes"] == 30


def test_a_session_in_the_future_is_refused(client, consultant, participant):
    client.force_login(consultant)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    response = client.post(
        reverse("participants:session_create", args=[participant.pk]),
        {"held_on": tomorrow.isoformat(), "minutes": 30, "kind": "individual"},
    )
    assert response.status_code == 200
    assert not CoachingSession.objects.exists()


def test_managers_read_notes_but_cannot_log_sessions(client, make_user, consultant, participant):
    CoachingSession.objects.create(
        consultant=consultant,
        participant=participant,
        held_on=timezone.localdate(),
        minutes=45,
        notes="Vertrouwelijk: schulden in beeld.",
    )
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("participants:detail", args=[participant.pk])).content.decode()
    assert "Vertrouwelijk: schulden in beeld." in page
    url = reverse("participants:session_create", args=[participant.pk])
    assert client.get(url).status_code == 403


def test_status_change_from_the_page(client, consultant, participant):
    client.force_login(consultant)
    client.post(reverse("participants:status", args=[participant.pk]), {"status": "intake"})
    participant.refresh_from_db()
    assert participant.status == "intake"
    response = client.post(
        reverse("participants:status", args=[participant.pk]), {"status": "off_benefit"}
    )
    participant.refresh_from_db()
    assert participant.status == "intake"
    assert response.status_code == 302


def test_enrolling_past_capacity_shows_a_message(client, make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality), capacity=1)
    first, second = ParticipantFactory.create_batch(2, municipality=municipality)
    services.enrol(manager, cohort, first)
    client.force_login(manager)
    response = client.post(
        reverse("participants:cohort_enrol", args=[cohort.pk]),
        {"participant": second.pk},
        follow=True,
    )
    assert "Groep “Groep" in response.content.decode()
    assert "is vol: er is plaats voor 1 deelnemers." in response.content.decode()
    assert cohort.enrolments.count() == 1


def test_attendance_for_the_whole_group_in_one_form(client, make_user, municipality):
    manager = make_user(Role.MANAGER)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=municipality))
    members = ParticipantFactory.create_batch(3, municipality=municipality)
    for member in members:
        services.enrol(manager, cohort, member)
    client.force_login(manager)
    response = client.post(
        reverse("participants:meeting_create", args=[cohort.pk]),
        {"held_on": "2026-02-09", "topic": "Sollicitatietraining"},
    )
    client.post(response.url, {"present": [members[0].pk, members[1].pk]})
    meeting = cohort.meetings.get()
    assert meeting.attendance.filter(present=True).count() == 2
    assert meeting.attendance.filter(present=False).count() == 1


def test_task_list_shows_due_follow_ups_appointments_and_silence(
    client, make_user, municipality, consultant
):
    today = timezone.localdate()
    cohort = CohortFactory(
        programme=ProgrammeFactory(municipality=municipality),
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=95),
    )
    quiet = ParticipantFactory(
        municipality=municipality, consultant=consultant, status="in_programme"
    )
    talked = ParticipantFactory(
        municipality=municipality, consultant=consultant, status="in_programme"
    )
    services.enrol(consultant, cohort, quiet)
    CoachingSession.objects.create(
        consultant=consultant,
        participant=talked,
        held_on=today,
        minutes=30,
        next_appointment=timezone.now() + datetime.timedelta(days=3),
    )
    client.force_login(consultant)
    tasks = client.get(reverse("participants:tasks")).context["tasks"]
    assert [o.participant for o in tasks.follow_ups] == [quiet]  # 3 months: overdue
    assert [s.participant for s in tasks.appointments] == [talked]
    assert list(tasks.without_contact) == [quiet]
    measured = OutcomeMeasurement.objects.get(participant=quiet, follow_up=3)
    measured.measured_on = today
    measured.save()
    assert client.get(reverse("participants:tasks")).context["tasks"].follow_ups == []


def _fill_caseload(municipality, consultant, count):
    today = timezone.localdate()
    cohort = CohortFactory(
        programme=ProgrammeFactory(municipality=municipality),
        start_date=today - datetime.timedelta(days=200),
        end_date=today - datetime.timedelta(days=95),
        capacity=100,
    )
    people = ParticipantFactory.create_batch(
        count, municipality=municipality, consultant=consultant, status="in_programme"
    )
    for person in people[:50]:
        services.enrol(consultant, cohort, person)
    CoachingSession.objects.bulk_create(
        CoachingSession(
            consultant=consultant,
            participant=person,
            held_on=today - datetime.timedelta(days=40),
            minutes=45,
            notes="Gesprek",
            next_appointment=timezone.now() + datetime.timedelta(days=2),
        )
        for person in people
    )
    return people


@pytest.mark.parametrize("count", [5, 200])
def test_pages_have_a_query_bound_that_does_not_grow(
    client, municipality, consultant, count, django_assert_max_num_queries
):
    people = _fill_caseload(municipality, consultant, count)
    client.force_login(consultant)
    with django_assert_max_num_queries(12):
        assert client.get(reverse("participants:caseload")).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("participants:tasks")).status_code == 200
    # The participant page: one query per card and timeline kind (trainings: issue 16;
    # the provisions to check on the Provisions button: issue 22).
    with django_assert_max_num_queries(18):
        url = reverse("participants:detail", args=[people[0].pk])
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("participants:cohort_list")).status_code == 200
