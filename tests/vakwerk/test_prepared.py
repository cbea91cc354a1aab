"""Querysets compiled once per shape (vakwerk/prepared.py): each call gets its own rows,
each user their own scope, and a shape that would go stale is refused."""

import datetime

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consultants.models import CoachingSession
from participants import selectors
from participants.models import Participant
from tests.participants.factories import ParticipantFactory
from vakwerk import prepared
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_shapes():
    prepared.clear()
    yield
    prepared.clear()


def sessions_of(user, participant):
    return selectors.participant_rows(
        "test.sessions",
        participant,
        lambda user, participant_id: (
            CoachingSession.objects.for_user(user)
            .filter(participant_id=participant_id)
            .order_by("held_on")
        ),
        user=user,
    )


def log(participant, consultant, notes, days_ago=1):
    return CoachingSession.objects.create(
        participant=participant,
        consultant=consultant,
        held_on=timezone.localdate() - datetime.timedelta(days=days_ago),
        minutes=45,
        notes=notes,
    )


def test_each_participant_gets_their_own_rows_from_one_compiled_shape(make_user, municipality):
    consultant = make_user(Role.CONSULTANT)
    first, second = ParticipantFactory.create_batch(
        2, municipality=municipality, consultant=consultant
    )
    log(first, consultant, "eerste", days_ago=2)
    log(first, consultant, "tweede")
    log(second, consultant, "derde")

    assert [s.notes for s in sessions_of(consultant, first)] == ["eerste", "tweede"]
    with CaptureQueriesContext(connection) as queries:
        assert [s.notes for s in sessions_of(consultant, second)] == ["derde"]
    assert len(prepared._shapes) == 1
    # The same statement the queryset itself runs, with the second participant's id.
    expected = (
        CoachingSession.objects.for_user(consultant)
        .filter(participant_id=second.pk)
        .order_by("held_on")
    )
    with CaptureQueriesContext(connection) as direct:
        list(expected)
    assert [q["sql"] for q in queries] == [q["sql"] for q in direct]


def test_a_user_never_gets_rows_of_another_users_scope(
    make_user, municipality, other_municipality
):
    consultant = make_user(Role.CONSULTANT)
    colleague = make_user(Role.CONSULTANT)
    manager = make_user(Role.MANAGER)
    foreign_manager = make_user(Role.MANAGER, municipality=other_municipality)
    researcher = make_user(Role.RESEARCHER)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    log(participant, consultant, "vertrouwelijk")

    assert [s.notes for s in sessions_of(consultant, participant)] == ["vertrouwelijk"]
    assert sessions_of(colleague, participant) == []
    assert [s.notes for s in sessions_of(manager, participant)] == ["vertrouwelijk"]
    assert sessions_of(foreign_manager, participant) == []
    with CaptureQueriesContext(connection) as queries:
        assert sessions_of(researcher, participant) == []
    assert len(queries) == 0  # .none(): answered without asking the database
    # One shape per role, not per user: the colleague and the foreign manager had the
    # consultant's and the manager's SQL with their own id and municipality put in.
    assert len(prepared._shapes) == 3


def _scoped_with_the_closures_consultant(consultant):
    return lambda _user, participant_id: CoachingSession.objects.for_user(consultant).filter(
        participant_id=participant_id
    )


def _scoped_by_email(_consultant):
    return lambda user, participant_id: CoachingSession.objects.for_user(user).filter(
        participant_id=participant_id, consultant__email=user.email
    )


@pytest.mark.parametrize(
    "build, refusal",
    [
        # It scoped with another user than the one given: every user would get theirs.
        (_scoped_with_the_closures_consultant, "neither their id nor their municipality"),
        # It reads more of the user than id and municipality: that would be baked in.
        (_scoped_by_email, "is not a value put in"),
    ],
)
def test_a_scope_the_shape_cannot_carry_to_another_user_is_refused(
    make_user, municipality, build, refusal
):
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    with pytest.raises(ImproperlyConfigured, match=refusal):
        selectors.participant_rows(
            f"test.{build.__name__}", participant, build(consultant), user=consultant
        )


def test_a_changed_role_is_a_new_shape(make_user, municipality):
    user = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality)  # not in their caseload
    log(participant, make_user(Role.CONSULTANT), "notitie")
    assert sessions_of(user, participant) == []
    user.role = Role.MANAGER
    assert [s.notes for s in sessions_of(user, participant)] == ["notitie"]


def test_a_date_baked_into_the_sql_is_refused(make_user, municipality):
    participant = ParticipantFactory(municipality=municipality)
    with pytest.raises(ImproperlyConfigured, match="a date that is not in its key"):
        prepared.rows(
            "test.recent",
            lambda participant_id: CoachingSession.objects.filter(
                participant_id=participant_id, held_on__gte=timezone.localdate()
            ),
            participant_id=participant.pk,
        )


def test_a_date_in_the_key_makes_a_shape_per_date(make_user, municipality):
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    log(participant, consultant, "oud", days_ago=10)
    log(participant, consultant, "nieuw", days_ago=1)

    def since(day):
        return prepared.rows(
            ("test.since", day),
            lambda participant_id: CoachingSession.objects.filter(
                participant_id=participant_id, held_on__gte=day
            ).order_by("held_on"),
            participant_id=participant.pk,
        )

    today = timezone.localdate()
    assert [s.notes for s in since(today - datetime.timedelta(days=5))] == ["nieuw"]
    assert [s.notes for s in since(today - datetime.timedelta(days=20))] == ["oud", "nieuw"]


def test_moments_and_dates_are_put_in_like_ids(make_user, municipality):
    """A window from now (the caseload's appointments) changes with every request: its
    moments and dates go into one shape's SQL as values, not into its key."""
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    now = timezone.now()
    for days, notes in ((1, "morgen"), (5, "volgende week"), (20, "volgende maand")):
        session = log(participant, consultant, notes, days_ago=days)
        session.next_appointment = now + datetime.timedelta(days=days)
        session.save()

    def planned(start, end, held_since):
        return [
            s.notes
            for s in prepared.rows(
                "test.planned",
                lambda user, start, end, held_since: (
                    CoachingSession.objects.for_user(user)
                    .filter(
                        next_appointment__gte=start,
                        next_appointment__lt=end,
                        held_on__gte=held_since,
                    )
                    .order_by("next_appointment")
                ),
                user=consultant,
                start=start,
                end=end,
                held_since=held_since,
            )
        ]

    today = timezone.localdate()
    week = datetime.timedelta(days=7)
    assert planned(now, now + week, today - week) == ["morgen", "volgende week"]
    assert planned(now + datetime.timedelta(days=2), now + 4 * week, today - 4 * week) == [
        "volgende week",
        "volgende maand",
    ]
    assert planned(now, now + 4 * week, today - datetime.timedelta(days=2)) == ["morgen"]
    assert len(prepared._shapes) == 1


def test_a_moment_without_a_time_zone_is_refused(municipality):
    with pytest.raises(ImproperlyConfigured, match="no time zone"):
        prepared.rows(
            "test.naive",
            lambda start: CoachingSession.objects.filter(next_appointment__gte=start),
            start=datetime.datetime(2026, 12, 1, 9, 0),
        )


def test_a_value_that_is_not_a_parameter_is_refused(municipality):
    participant = ParticipantFactory(municipality=municipality)
    with pytest.raises(ImproperlyConfigured, match="did not end up as parameters"):
        prepared.rows(
            "test.ignores_its_value",
            lambda participant_id: Participant.objects.filter(municipality=municipality),
            participant_id=participant.pk,
        )


def test_the_participant_page_of_a_second_participant_shows_only_theirs(
    client, make_user, municipality
):
    consultant = make_user(Role.CONSULTANT)
    first = ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="Zwanenburg"
    )
    second = ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="Kievitsveld"
    )
    log(first, consultant, "Alleen voor de eerste deelnemer")
    log(second, consultant, "Alleen voor de tweede deelnemer")
    client.force_login(consultant)

    page = client.get(reverse("participants:detail", args=[first.pk])).content.decode()
    assert "Alleen voor de eerste deelnemer" in page
    page = client.get(reverse("participants:detail", args=[second.pk])).content.decode()
    assert "Alleen voor de tweede deelnemer" in page
    assert "Alleen voor de eerste deelnemer" not in page
    assert "Kievitsveld" in page and "Zwanenburg" not in page


def test_the_caseload_pages_count_and_list_per_filter(make_user, municipality):
    from django.core.paginator import Paginator

    from consultants import caseload_selectors
    from participants.models import Status

    consultant = make_user(Role.CONSULTANT)
    for name, status in (
        ("Jansen", Status.INTAKE),
        ("Janssen", Status.PLACED),
        ("de Vries", Status.INTAKE),
        ("Bakker", Status.INTAKE),
        ("Visser", Status.REGISTERED),
    ):
        ParticipantFactory(
            municipality=municipality, consultant=consultant, last_name=name, status=status
        )
    ParticipantFactory(municipality=municipality, last_name="Jansma", status=Status.INTAKE)

    cases = (
        ({"status": Status.INTAKE}, {"Jansen", "de Vries", "Bakker"}),
        ({"status": Status.PLACED}, {"Janssen"}),
        ({}, {"Jansen", "Janssen", "de Vries", "Bakker", "Visser"}),
        ({"search": "jans"}, {"Jansen", "Janssen"}),  # not kept, and the same answers
        ({"status": Status.OFF_BENEFIT}, set()),
    )
    for filters, expected in cases:
        pages = caseload_selectors.caseload_pages(consultant, sort="name", **filters)
        direct = caseload_selectors.caseload(consultant, sort="name", **filters)
        assert pages.count() == direct.count() == len(expected)
        shown = [p.last_name for n in Paginator(pages, 2).page_range
                 for p in Paginator(pages, 2).page(n)]  # fmt: skip
        assert shown == [p.last_name for p in direct]
        assert set(shown) == expected
        if expected:
            assert pages[len(expected) - 1].last_name == shown[-1]


def test_the_least_recently_used_shapes_go_first(make_user, municipality, monkeypatch):
    monkeypatch.setattr(prepared, "MAX_SHAPES", 2)
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    log(participant, consultant, "bewaard")

    def by_name(name):
        return prepared.rows(
            name,
            lambda participant_id: CoachingSession.objects.filter(participant_id=participant_id),
            participant_id=participant.pk,
        )

    for name in ("een", "twee", "een", "drie"):
        assert [s.notes for s in by_name(name)] == ["bewaard"]
    assert [key[0] for key in prepared._shapes] == [("een",), ("drie",)]
