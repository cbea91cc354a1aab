"""Reminders for consultants: the weekly mail and the personal calendar feed.

Both read the task list's definitions (`caseload_selectors`: follow-ups due, appointments,
no contact for 30 days, group meetings), so a figure in the mail is the figure on the task
list. Neither carries a participant's name or BSN: a mail or a calendar leaves VAKwerk (a
mail provider, a phone's calendar app), so a participant appears only by their number, and
each item links into VAKwerk, where the name is behind the login."""

import datetime
import hashlib
import logging
import secrets
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import groupby
from operator import attrgetter

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import connection, transaction
from django.db.models import F, Window
from django.db.models.functions import RowNumber
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.roles import Role

from . import caseload_selectors as tasks
from .models import CalendarFeedToken, WeeklyReminder
from .services import usual_session_minutes

logger = logging.getLogger(__name__)
User = get_user_model()

# Items per section of a mail; the rest is on the task list, which the mail links to.
MAIL_SECTION_LIMIT = 50
COMING_DAYS = 7
CLAIMS_KEPT = datetime.timedelta(weeks=8)
# The feed keeps a month of the past (what a calendar still shows as recent) and a year
# ahead; outside that window nothing is planned in VAKwerk that a calendar needs.
FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365


def absolute_url(name, *args):
    return settings.VAKWERK_BASE_URL + reverse(name, args=args)


def _local_midnight(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


# --- The weekly mail ----------------------------------------------------------------------


@dataclass
class Section:
    items: list = field(default_factory=list)
    more: bool = False


@dataclass
class WeeklyDigest:
    consultant: object
    today: datetime.date
    last_day: datetime.date
    follow_ups: Section
    appointments: Section
    meetings: Section
    without_contact: Section
    tasks_url: str

    @property
    def is_empty(self):
        return not (
            self.follow_ups.items
            or self.appointments.items
            or self.meetings.items
            or self.without_contact.items
        )


def _sections(queryset, owner, order, item):
    """The rows of `queryset` per consultant (`owner`, an expression giving their id), each
    consultant's in `order` and at most one more than a mail lists: one query, however many
    consultants there are. Returns {consultant id: Section}."""
    ranked = (
        queryset.annotate(
            reminder_owner=owner,
            reminder_rank=Window(RowNumber(), partition_by=[owner], order_by=list(order)),
        )
        .filter(reminder_rank__lte=MAIL_SECTION_LIMIT + 1)
        .order_by("reminder_owner", *order)
    )
    rows = defaultdict(list)
    for row in ranked:
        rows[row.reminder_owner].append(row)
    return defaultdict(
        Section,
        {
            owner_id: Section(
                [item(row) for row in found[:MAIL_SECTION_LIMIT]],
                len(found) > MAIL_SECTION_LIMIT,
            )
            for owner_id, found in rows.items()
        },
    )


def weekly_digests(municipality_id, consultants, now=None):
    """What the mail of this week lists for each of these consultants of one municipality:
    follow-ups due or overdue (the task list's two-week horizon), coaching appointments and
    group meetings of the coming seven days, and participants without contact for 30 days.
    Four queries for all of them together, however many consultants there are."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    last_day = today + datetime.timedelta(days=COMING_DAYS - 1)
    ids = [consultant.pk for consultant in consultants]
    theirs = tasks.own_participants_of(municipality_id, ids)
    follow_ups = _sections(
        tasks.follow_ups_due(theirs, today),
        F("participant__consultant_id"),
        ("due_on", "pk"),
        lambda outcome: {
            "number": outcome.participant_id,
            "follow_up": outcome.get_follow_up_display(),
            "due_on": outcome.due_on,
            "overdue": outcome.due_on < today,
            "url": absolute_url("participants:outcome", outcome.pk),
        },
    )
    appointments = _sections(
        tasks.appointments_between(
            theirs, now, _local_midnight(last_day + datetime.timedelta(1))
        ).only("pk", "participant_id", "next_appointment"),
        F("participant__consultant_id"),
        ("next_appointment", "pk"),
        lambda session: {
            "number": session.participant_id,
            "at": session.next_appointment,
            "url": absolute_url("participants:detail", session.participant_id),
        },
    )
    meetings = _sections(
        tasks.group_meetings_led_by(municipality_id, ids, today, last_day).select_related(
            "cohort"
        ),
        F("trainer_id"),
        ("held_on", "pk"),
        lambda meeting: {
            "group": meeting.cohort.name,
            "topic": meeting.topic,
            "held_on": meeting.held_on,
            "url": absolute_url("participants:cohort_detail", meeting.cohort_id),
        },
    )
    without_contact = _sections(
        tasks.without_contact(theirs, today).only("pk"),
        F("consultant_id"),
        ("last_contact", "pk"),
        lambda participant: {
            "number": participant.pk,
            "last_contact": participant.last_contact,
            "url": absolute_url("participants:detail", participant.pk),
        },
    )
    tasks_url = absolute_url("participants:tasks")
    return [
        WeeklyDigest(
            consultant=consultant,
            today=today,
            last_day=last_day,
            follow_ups=follow_ups[consultant.pk],
            appointments=appointments[consultant.pk],
            meetings=meetings[consultant.pk],
            without_contact=without_contact[consultant.pk],
            tasks_url=tasks_url,
        )
        for consultant in consultants
    ]


def weekly_digest(consultant, now=None):
    """One consultant's mail of this week (`weekly_digests`)."""
    return weekly_digests(consultant.municipality_id, [consultant], now)[0]


def weekly_message(digest):
    """The mail, in Dutch whatever language the consultant last chose on screen: the mails
    of the municipality are Dutch."""
    with translation.override("nl"):
        context = {"digest": digest}
        subject = _("Your VAKwerk reminders for the week of %(date)s") % {
            "date": formats.date_format(digest.today, "DATE_FORMAT")
        }
        text = render_to_string("consultants/email/weekly_reminder.txt", context)
        html = render_to_string("consultants/email/weekly_reminder.html", context)
    message = EmailMultiAlternatives(subject, text, to=[digest.consultant.email])
    message.attach_alternative(html, "text/html")
    return message


def reminder_recipients():
    """Every active consultant of a municipality."""
    return User.objects.filter(
        role=Role.CONSULTANT, is_active=True, municipality__isnull=False
    ).order_by("municipality_id", "pk")


@dataclass
class WeeklyRun:
    sent: int = 0
    nothing_due: int = 0
    already_sent: int = 0
    failed: int = 0


def _claim_week(consultant_ids, week_start, now):
    """Claims the week for these consultants in one statement and returns whose claims
    this run made: a week claimed already (an earlier run, or the same task delivered twice
    and running beside this one) is left to its claim. The unique constraint decides, so
    two runs at the same moment cannot both claim a consultant's week."""
    if not consultant_ids:
        return set()
    fields = WeeklyReminder._meta
    week = fields.get_field("week_start").get_db_prep_value(week_start, connection)
    sent_at = fields.get_field("sent_at").get_db_prep_value(now, connection)
    quote = connection.ops.quote_name
    rows = ", ".join(["(%s, %s, %s)"] * len(consultant_ids))
    params = [value for pk in consultant_ids for value in (pk, week, sent_at)]
    with connection.cursor() as cursor:
        # Django's bulk_create(ignore_conflicts=True) does not say which rows it inserted;
        # RETURNING after ON CONFLICT DO NOTHING does (PostgreSQL, and SQLite for make run).
        cursor.execute(
            f"INSERT INTO {quote(fields.db_table)} "  # noqa: S608 (names from the model)
            f"({quote('user_id')}, {quote('week_start')}, {quote('sent_at')}) VALUES {rows} "
            f"ON CONFLICT ({quote('user_id')}, {quote('week_start')}) DO NOTHING "
            f"RETURNING {quote('user_id')}",
            params,
        )
        return {pk for (pk,) in cursor.fetchall()}


def send_weekly_reminders(now=None):
    """One mail per active consultant with something on it; a consultant with nothing due
    gets none (a mail that says "nothing" every week teaches people to ignore the mail).
    Safe to run twice: a consultant's week is claimed before the mail goes out, and the
    claim is given back when sending fails, so a later run tries again. A fixed number of
    queries per municipality, however many consultants it has."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    week_start = today - datetime.timedelta(days=today.weekday())
    run = WeeklyRun()
    # The claims only need to outlive a re-delivered task; older weeks are no use.
    WeeklyReminder.objects.filter(week_start__lt=week_start - CLAIMS_KEPT).delete()
    # One connection to the mail server for the whole run, not one per consultant.
    mail_connection = get_connection()
    by_municipality = groupby(reminder_recipients(), key=attrgetter("municipality_id"))
    for municipality_id, consultants in by_municipality:
        digests = []
        for digest in weekly_digests(municipality_id, list(consultants), now):
            if digest.is_empty:
                run.nothing_due += 1
            else:
                digests.append(digest)
        claimed = _claim_week([digest.consultant.pk for digest in digests], week_start, now)
        failed = []
        for digest in digests:
            consultant = digest.consultant
            if consultant.pk not in claimed:
                run.already_sent += 1
                continue
            try:
                message = weekly_message(digest)
                message.connection = mail_connection
                message.send()
            except Exception:
                # One unreachable address or a hiccup of the mail server must not cost the
                # other consultants their mail.
                logger.exception("weekly reminder for user %s not sent", consultant.pk)
                failed.append(consultant.pk)
                continue
            run.sent += 1
        if failed:
            WeeklyReminder.objects.filter(user_id__in=failed, week_start=week_start).delete()
            run.failed += len(failed)
    mail_connection.close()
    logger.info(
        "Weekly reminders: %s sent, %s with nothing due, %s already sent, %s failed",
        run.sent, run.nothing_due, run.already_sent, run.failed,
    )  # fmt: skip
    return run


# --- The calendar feed ------------------------------------------------------------------


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token):
    return absolute_url("consultants:calendar_feed", token)


def may_have_feed(user):
    return user.is_authenticated and user.role == Role.CONSULTANT and user.is_active


@transaction.atomic
def renew_calendar_token(user):
    """Makes a new secret for the user's feed and returns it; the old link stops working.
    The token is random (not derived from the user's id), and only its hash is kept."""
    if not may_have_feed(user):
        raise PermissionDenied("Only consultants have a calendar feed.")
    token = secrets.token_urlsafe(32)
    link, created = CalendarFeedToken.objects.update_or_create(
        user=user, defaults={"token_hash": hash_token(token), "created_at": timezone.now()}
    )
    audit.record(
        user, AuditAction.CREATE if created else AuditAction.UPDATE, obj=link,
        detail="calendar feed link renewed",
    )  # fmt: skip
    return token


@transaction.atomic
def revoke_calendar_token(user):
    link = CalendarFeedToken.objects.filter(user=user).first()
    if link is None:
        return False
    audit.record(user, AuditAction.DELETE, obj=link, detail="calendar feed link revoked")
    link.delete()
    return True


def calendar_link(user):
    """The user's feed link as their page shows it (without the secret): when it was made."""
    return CalendarFeedToken.objects.filter(user=user).only("created_at").first()


def feed_owner(token):
    """The active consultant whose feed this token opens, or None: an unknown or revoked
    token, a deactivated user or one who is no consultant (any more) opens nothing."""
    if not token or len(token) > 100:
        return None
    link = (
        CalendarFeedToken.objects.filter(
            token_hash=hash_token(token),
            user__is_active=True,
            user__role=Role.CONSULTANT,
            user__municipality__isnull=False,
        )
        .select_related("user")
        .first()
    )
    return link.user if link else None


@dataclass
class FeedEvents:
    appointments: list
    meetings: list
    minutes: int


def feed_events(consultant, now=None):
    """The consultant's coaching appointments and the meetings of the groups they lead,
    from a month back to a year ahead. Three queries, however many there are."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    mine = tasks.own_participants(consultant)
    appointments = list(
        tasks.appointments_between(
            mine,
            now - datetime.timedelta(days=FEED_PAST_DAYS),
            now + datetime.timedelta(days=FEED_FUTURE_DAYS),
        )
        .only("pk", "participant_id", "next_appointment")
        .order_by("next_appointment", "pk")
    )
    meetings = list(
        tasks.group_meetings_between(
            consultant,
            today - datetime.timedelta(days=FEED_PAST_DAYS),
            today + datetime.timedelta(days=FEED_FUTURE_DAYS),
        )
        .select_related("cohort")
        .order_by("held_on", "pk")
    )
    return FeedEvents(appointments, meetings, usual_session_minutes(consultant))


def build_feed(consultant, now=None):
    """The feed as iCalendar bytes."""
    now = now or timezone.now()
    events = feed_events(consultant, now)
    host = settings.VAKWERK_BASE_URL.split("://", 1)[-1].split("/", 1)[0] or "vakwerk"
    with translation.override("nl"):
        calendar = Calendar()
        calendar.add("prodid", "-//VAKwerk//Afspraken//NL")
        calendar.add("version", "2.0")
        calendar.add("calscale", "GREGORIAN")
        calendar.add("x-wr-calname", _("VAKwerk appointments"))
        calendar.add("x-wr-timezone", settings.TIME_ZONE)
        # Calendar clients poll; once an hour is plenty for appointments.
        calendar.add(
            "refresh-interval", datetime.timedelta(hours=1), parameters={"VALUE": "DURATION"}
        )
        for session in events.appointments:
            url = absolute_url("participants:detail", session.participant_id)
            event = Event()
            event.add("uid", f"coaching-{session.pk}@{host}")
            event.add("dtstamp", now)
            event.add("dtstart", session.next_appointment)
            event.add(
                "dtend", session.next_appointment + datetime.timedelta(minutes=events.minutes)
            )
            event.add(
                "summary",
                _("Coaching appointment, participant %(number)s")
                % {"number": session.participant_id},
            )
            event.add("url", url)
            event.add("description", url)
            calendar.add_component(event)
        for meeting in events.meetings:
            url = absolute_url("participants:cohort_detail", meeting.cohort_id)
            event = Event()
            event.add("uid", f"group-meeting-{meeting.pk}@{host}")
            event.add("dtstamp", now)
            event.add("dtstart", meeting.held_on)
            event.add("dtend", meeting.held_on + datetime.timedelta(days=1))
            event.add(
                "summary",
                _("Group meeting %(group)s: %(topic)s")
                % {"group": meeting.cohort.name, "topic": meeting.topic},
            )
            event.add("url", url)
            event.add("description", url)
            calendar.add_component(event)
    return calendar.to_ical()
