"""Reminders (issue 21, point 3): the consultants' weekly mail, their calendar feed and the
managers' mail that a monthly report is ready. What a mail or feed contains is read back
as the consultant's mail client or calendar would: text and HTML parts, iCalendar parsed
with icalendar. No participant's name or BSN may be in either; the clock is pinned."""

import datetime
import re
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse
from icalendar import Calendar

from consultants import caseload_selectors, reminders, tasks
from consultants.models import CalendarFeedToken, CoachingSession, WeeklyReminder
from participants.models import CohortMeeting, OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.celery import app
from vakwerk.models import AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
# Monday 30 November 2026, 07:00 in Amsterdam: when beat sends the mail.
NOW = datetime.datetime(2026, 11, 30, 7, 0, tzinfo=AMSTERDAM)
BASE_URL = "https://vakwerk.gemeente.example"


@pytest.fixture(autouse=True)
def pinned_clock(settings):
    settings.VAKWERK_BASE_URL = BASE_URL
    with time_machine.travel(NOW, tick=False):
        yield


def at(day, hour):
    return datetime.datetime(2026, 12, day, hour, 0, tzinfo=AMSTERDAM)


class World:
    pass


def _participant(municipality, consultant, programme, name):
    return ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        programme=programme,
        first_name=f"Voornaam{name}",
        last_name=f"Achternaam{name}",
        status="in_programme",
    )


def _session(consultant, participant, held_on, next_appointment=None):
    return CoachingSession.objects.create(
        consultant=consultant,
        participant=participant,
        held_on=held_on,
        minutes=60,
        next_appointment=next_appointment,
    )


def _populate(w, municipality, consultant, prefix):
    """One consultant's week: an overdue follow-up, one due in 10 days and one far off,
    appointments this week and next, a group meeting this week and one later, and a
    participant nobody spoke to."""
    programme = ProgrammeFactory(municipality=municipality, end_date=None)
    cohort = CohortFactory(
        programme=programme,
        name=f"Groep {prefix}",
        start_date=datetime.date(2026, 9, 1),
        end_date=datetime.date(2026, 12, 18),
    )
    cohort.trainers.add(consultant)
    people = {
        key: _participant(municipality, consultant, programme, f"{prefix}{key}")
        for key in ("overdue", "due_soon", "due_later", "appointment", "silent")
    }
    recent = datetime.date(2026, 11, 25)
    for key in ("overdue", "due_soon", "due_later", "appointment"):
        _session(consultant, people[key], recent)
    for key, due in (
        ("overdue", datetime.date(2026, 11, 20)),
        ("due_soon", datetime.date(2026, 12, 10)),
        ("due_later", datetime.date(2027, 1, 30)),
    ):
        OutcomeMeasurement.objects.create(
            participant=people[key], cohort=cohort, follow_up=3, due_on=due
        )
    this_week = _session(consultant, people["appointment"], recent, at(1, 10))
    next_week = _session(consultant, people["appointment"], recent, at(9, 14))
    meeting = CohortMeeting.objects.create(
        cohort=cohort, held_on=datetime.date(2026, 12, 2), topic=f"Sollicitatietraining {prefix}"
    )
    later_meeting = CohortMeeting.objects.create(
        cohort=cohort, held_on=datetime.date(2026, 12, 16), topic=f"Netwerken {prefix}"
    )
    return people, this_week, next_week, meeting, later_meeting


@pytest.fixture
def world(municipality, other_municipality, make_user):
    w = World()
    w.consultant = make_user(Role.CONSULTANT, email="coach@a.example", first_name="Carla")
    w.colleague = make_user(Role.CONSULTANT, email="collega@a.example")
    w.idle = make_user(Role.CONSULTANT, email="rustig@a.example")
    w.manager = make_user(Role.MANAGER, email="manager@a.example")
    w.foreign = make_user(Role.CONSULTANT, municipality=other_municipality, email="d@b.example")
    (w.people, w.this_week, w.next_week, w.meeting, w.later_meeting) = _populate(
        w, municipality, w.consultant, "A"
    )
    w.colleague_people, *_ = _populate(w, municipality, w.colleague, "C")
    w.foreign_people, w.foreign_appointment, *_ = _populate(w, other_municipality, w.foreign, "B")
    return w


def mail_to(address):
    found = [message for message in mail.outbox if message.to == [address]]
    assert len(found) == 1, [message.to for message in mail.outbox]
    return found[0]


def both_parts(message):
    html = [content for content, kind in message.alternatives if kind == "text/html"]
    assert len(html) == 1
    return message.body, html[0]


def numbers_in(text):
    return {int(n) for n in re.findall(r"Deelnemer (\d+)", text)}


def everyone(w):
    return [*w.people.values(), *w.colleague_people.values(), *w.foreign_people.values()]


def assert_no_names(text, w):
    for participant in everyone(w):
        assert participant.first_name not in text
        assert participant.last_name not in text
        assert participant.bsn not in text


# --- the weekly mail ---------------------------------------------------------------------


def test_weekly_mail_lists_the_week_by_participant_number_in_dutch(world):
    run = reminders.send_weekly_reminders()

    message = mail_to("coach@a.example")
    text, html = both_parts(message)
    assert message.subject == "Uw herinneringen uit VAKwerk voor de week van 30 november 2026"
    assert "Hallo Carla," in text
    people = world.people
    for part in (text, html):
        assert "Nametingen te doen of te laat" in part
        assert f"Deelnemer {people['overdue'].pk}" in part
        assert "te laat sinds 20 november 2026" in part
        assert f"Deelnemer {people['due_soon'].pk}" in part
        assert "Afspraken in de komende week" in part
        assert "dinsdag 1 december, 10:00" in part
        assert "9 december" not in part  # next week's appointment
        assert "Groepsbijeenkomsten in de komende week" in part
        assert "Sollicitatietraining A" in part and "Netwerken A" not in part
        assert "Geen contact in 30 dagen" in part
        assert f"Deelnemer {people['silent'].pk}" in part
        assert_no_names(part, world)
    # The follow-up due in two months is not due yet; nobody else's participant is listed.
    assert numbers_in(text) == numbers_in(html) == {
        people["overdue"].pk, people["due_soon"].pk, people["appointment"].pk,
        people["silent"].pk,
    }  # fmt: skip
    assert run.sent == 3  # Carla, her colleague and the other municipality's consultant
    assert run.nothing_due == 1


def test_the_mail_shows_what_the_task_list_shows(world):
    reminders.send_weekly_reminders()
    text, _html = both_parts(mail_to("coach@a.example"))
    task_list = caseload_selectors.task_list(world.consultant)
    follow_ups = text.split("Nametingen te doen of te laat")[1].split("Afspraken")[0]
    silent = text.split("Geen contact in 30 dagen")[1]
    assert numbers_in(follow_ups) == {outcome.participant_id for outcome in task_list.follow_ups}
    assert numbers_in(silent) == {participant.pk for participant in task_list.without_contact}


def test_every_link_in_the_mail_opens_in_vakwerk(world, client):
    reminders.send_weekly_reminders()
    text, html = both_parts(mail_to("coach@a.example"))
    links = set(re.findall(r"https?://\S+", text))
    assert links == set(re.findall(r'href="([^"]+)"', html))
    assert len(links) >= 6
    client.force_login(world.consultant)
    for link in links:
        assert link.startswith(BASE_URL + "/")
        path = urlsplit(link).path
        resolve(path)
        assert client.get(path).status_code == 200, path


def test_other_municipality_and_colleagues_stay_out_of_each_mail(world):
    reminders.send_weekly_reminders()
    foreign_text, foreign_html = both_parts(mail_to("d@b.example"))
    mine = {p.pk for p in world.people.values()} | {p.pk for p in world.colleague_people.values()}
    assert not numbers_in(foreign_text + foreign_html) & mine
    assert "Sollicitatietraining A" not in foreign_text
    text, html = both_parts(mail_to("coach@a.example"))
    theirs = {p.pk for p in world.foreign_people.values()} | {
        p.pk for p in world.colleague_people.values()
    }
    assert not numbers_in(text + html) & theirs
    assert "Sollicitatietraining B" not in text and "Groep C" not in text


def test_a_consultant_with_nothing_due_gets_no_mail(world):
    reminders.send_weekly_reminders()
    assert not [m for m in mail.outbox if m.to == ["rustig@a.example"]]
    assert not [m for m in mail.outbox if m.to == ["manager@a.example"]]


def test_an_inactive_consultant_gets_no_mail(world):
    world.consultant.is_active = False
    world.consultant.save()
    reminders.send_weekly_reminders()
    assert not [m for m in mail.outbox if m.to == ["coach@a.example"]]


def test_the_task_run_twice_sends_each_mail_once(world):
    stale = WeeklyReminder.objects.create(
        user=world.consultant, week_start=datetime.date(2026, 9, 28), sent_at=NOW
    )
    first = tasks.send_weekly_reminders()
    assert not WeeklyReminder.objects.filter(pk=stale.pk).exists()
    second = tasks.send_weekly_reminders()
    assert first == {"sent": 3, "nothing_due": 1, "already_sent": 0, "failed": 0}
    assert second == {"sent": 0, "nothing_due": 1, "already_sent": 3, "failed": 0}
    assert len(mail.outbox) == 3
    assert WeeklyReminder.objects.filter(week_start=datetime.date(2026, 11, 30)).count() == 3
    # Next Monday is a new week.
    with time_machine.travel(NOW + datetime.timedelta(days=7), tick=False):
        assert tasks.send_weekly_reminders()["sent"] == 3


def test_a_failed_send_is_tried_again_on_the_next_run(world, monkeypatch):
    def refuse(self, fail_silently=False):
        raise ConnectionRefusedError

    with monkeypatch.context() as patched:
        patched.setattr("django.core.mail.EmailMultiAlternatives.send", refuse)
        assert reminders.send_weekly_reminders().failed == 3
    assert mail.outbox == []
    assert reminders.send_weekly_reminders().sent == 3


def test_the_weekly_task_is_on_the_beat_schedule():
    from celery.schedules import crontab

    entry = app.conf.beat_schedule["weekly-consultant-reminders"]
    assert entry["task"] == "consultants.tasks.send_weekly_reminders" in app.tasks
    assert entry["schedule"] == crontab(day_of_week="mon", hour=7, minute=0)
    assert app.conf.timezone == "Europe/Amsterdam"


# --- the calendar feed -------------------------------------------------------------------


def new_link(client, user):
    client.force_login(user)
    response = client.post(reverse("consultants:calendar_link_renew"))
    assert response.status_code == 200
    url = re.search(r'value="(https?://[^"]+\.ics)"', response.content.decode())[1]
    return urlsplit(url).path


def read_feed(path, status=200):
    response = Client().get(path)  # a calendar client: no session
    assert response.status_code == status
    if status != 200:
        return None
    assert response["Content-Type"].startswith("text/calendar")
    # Shown to the calendar client, not saved as a download.
    assert response["Content-Disposition"] == 'inline; filename="vakwerk.ics"'
    return response.content


def events_of(content):
    return [c for c in Calendar.from_ical(content).walk() if c.name == "VEVENT"]


def test_the_feed_has_the_consultants_appointments_and_meetings_without_names(world, client):
    path = new_link(client, world.consultant)
    content = read_feed(path)
    events = events_of(content)
    by_summary = {str(event["summary"]): event for event in events}
    appointment = f"Coachingsafspraak, deelnemer {world.people['appointment'].pk}"
    assert set(by_summary) == {
        appointment,
        "Groepsbijeenkomst Groep A: Sollicitatietraining A",
        "Groepsbijeenkomst Groep A: Netwerken A",
    }
    starts = sorted(
        event.decoded("dtstart") for event in events if str(event["summary"]) == appointment
    )
    assert starts == [at(1, 10), at(9, 14)]
    assert by_summary[appointment]["url"] == (
        f"{BASE_URL}/participants/{world.people['appointment'].pk}/"
    )
    meeting = by_summary["Groepsbijeenkomst Groep A: Sollicitatietraining A"]
    assert meeting.decoded("dtstart") == datetime.date(2026, 12, 2)
    assert len({str(event["uid"]) for event in events}) == 4
    text = content.decode()
    assert_no_names(text, world)
    assert "Sollicitatietraining B" not in text and "Groep C" not in text


def test_the_token_is_random_shown_once_and_stored_only_as_a_hash(world, client):
    path = new_link(client, world.consultant)
    token = path.rsplit("/", 1)[1].removesuffix(".ics")
    assert str(world.consultant.pk) != token and len(token) >= 40
    assert world.consultant.email not in path
    link = CalendarFeedToken.objects.get(user=world.consultant)
    assert link.token_hash == reminders.hash_token(token) != token
    page = client.get(reverse("consultants:my_development")).content.decode()
    assert token not in page
    assert "U hebt een agendalink" in page
    entry = AuditEntry.objects.get(detail="calendar feed link renewed")
    assert (entry.user_id, entry.object_id) == (world.consultant.pk, str(link.pk))


def test_a_new_link_revokes_the_old_and_a_revoked_link_gives_404(world, client):
    first = new_link(client, world.consultant)
    second = new_link(client, world.consultant)
    read_feed(first, status=404)
    read_feed(second)
    assert CalendarFeedToken.objects.filter(user=world.consultant).count() == 1
    assert AuditEntry.objects.filter(detail="calendar feed link renewed").count() == 2

    response = client.post(reverse("consultants:calendar_link_revoke"))
    assert response.status_code == 302
    read_feed(second, status=404)
    assert AuditEntry.objects.filter(detail="calendar feed link revoked").count() == 1
    assert "U hebt geen agendalink" in client.get(response.url).content.decode()


def test_no_feed_for_a_deactivated_user_or_one_who_is_no_consultant(world, client):
    path = new_link(client, world.consultant)
    world.consultant.role = Role.MANAGER
    world.consultant.save()
    read_feed(path, status=404)
    world.consultant.role = Role.CONSULTANT
    world.consultant.is_active = False
    world.consultant.save()
    read_feed(path, status=404)
    read_feed(reverse("consultants:calendar_feed", args=["niet-bestaand"]), status=404)


def test_each_consultant_sees_only_their_own_feed(world, client):
    foreign = events_of(read_feed(new_link(client, world.foreign)))
    summaries = {str(event["summary"]) for event in foreign}
    assert f"Coachingsafspraak, deelnemer {world.foreign_people['appointment'].pk}" in summaries
    assert not any("Groep A" in s or "Groep C" in s for s in summaries)
    assert not any(str(world.people["appointment"].pk) in s.split()[-1] for s in summaries)


@pytest.mark.parametrize("role", [Role.MANAGER, Role.WSP, Role.RESEARCHER, Role.ADMIN])
def test_only_consultants_make_a_calendar_link(world, client, make_user, role):
    client.force_login(make_user(role))
    assert client.post(reverse("consultants:calendar_link_renew")).status_code == 403
    assert client.post(reverse("consultants:calendar_link_revoke")).status_code == 403
    assert not CalendarFeedToken.objects.exists()


def test_making_a_link_needs_a_login_and_a_post(world, client):
    response = client.post(reverse("consultants:calendar_link_renew"))
    assert response.status_code == 302 and "/login/" in response.url
    client.force_login(world.consultant)
    assert client.get(reverse("consultants:calendar_link_renew")).status_code == 405


def test_the_feed_takes_the_same_queries_for_many_appointments(
    world, client, django_assert_max_num_queries
):
    path = new_link(client, world.consultant)
    with django_assert_max_num_queries(4):
        assert len(events_of(read_feed(path))) == 4
    participant = world.people["appointment"]
    for day in range(1, 28):
        _session(world.consultant, participant, datetime.date(2026, 11, 26), at(day, 9))
        CohortMeeting.objects.create(
            cohort=world.meeting.cohort, held_on=datetime.date(2026, 12, 1), topic=f"Extra {day}"
        )
    with django_assert_max_num_queries(4):
        assert len(events_of(read_feed(path))) == 4 + 2 * 27


def test_the_weekly_run_takes_the_same_queries_for_more_consultants(municipality, make_user):
    def add_consultants(first, count):
        for n in range(first, first + count):
            consultant = make_user(Role.CONSULTANT, email=f"coach{n}@a.example")
            _populate(World(), municipality, consultant, f"Q{n}")

    def a_run():
        WeeklyReminder.objects.all().delete()
        mail.outbox.clear()
        with CaptureQueriesContext(connection) as queries:
            run = reminders.send_weekly_reminders()
        return run.sent, len(queries)

    add_consultants(0, 2)
    two_sent, two_queries = a_run()
    add_consultants(2, 4)
    six_sent, six_queries = a_run()
    assert (two_sent, six_sent) == (2, 6)
    assert sorted(message.to[0] for message in mail.outbox) == [
        f"coach{n}@a.example" for n in range(6)
    ]
    # The old claims go, the consultants, four reads for the municipality, the claims.
    assert six_queries == two_queries <= 7


def test_each_mail_lists_its_own_first_items_and_says_there_are_more(world, monkeypatch):
    monkeypatch.setattr(reminders, "MAIL_SECTION_LIMIT", 1)
    reminders.send_weekly_reminders()
    for address, people in (
        ("coach@a.example", world.people),
        ("collega@a.example", world.colleague_people),
    ):
        text, html = both_parts(mail_to(address))
        follow_ups = text.split("Nametingen te doen of te laat")[1].split("Afspraken")[0]
        # The overdue follow-up comes first; the one due in ten days is on the task list.
        assert numbers_in(follow_ups) == {people["overdue"].pk}
        assert follow_ups.count("Meer op de takenlijst.") == 1
        assert f"Deelnemer {people['appointment'].pk}" in text
