"""The reminders on the demo, at the clock the demo was seeded at (the demo moves its story
to any day): Zwolle's consultant has follow-ups due, so gets a mail, and neither the mail nor
the calendar feed names any participant or shows a BSN."""

import pytest
from django.core import mail
from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from consultants import reminders
from participants.models import Participant
from vakwerk.models import User

pytestmark = pytest.mark.django_db


def test_the_demo_consultants_mail_and_feed_name_nobody(demo):
    consultant = User.objects.get(email="consultant@zwolle.example")
    digest = reminders.weekly_digest(consultant)
    assert digest.follow_ups.items and not digest.is_empty
    reminders.weekly_message(digest).send()
    message = mail.outbox[0]
    token = reminders.renew_calendar_token(consultant)
    feed = Client().get(reverse("consultants:calendar_feed", args=[token]))
    assert feed.status_code == 200
    Calendar.from_ical(feed.content)
    everything = message.body + message.alternatives[0][0] + feed.content.decode()
    people = Participant.objects.values_list("first_name", "last_name", "bsn")
    assert len(people) > 50
    for first, last, bsn in people:
        assert f"{first} {last}" not in everything
        assert len(last) < 5 or last not in everything
        assert bsn is None or bsn not in everything
