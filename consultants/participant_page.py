"""What consultants adds to a participant's page (`participants.page`): the coaching
sessions on the timeline and the form to log one."""

from django.template.defaultfilters import linebreaksbr
from django.utils.html import format_html
from django.utils.translation import gettext as _

from participants import page, timeline
from participants.selectors import TimelineEntry, records_of
from vakwerk import formatting

from .forms import CoachingSessionForm
from .models import CoachingSession
from .services import usual_session_minutes


def session_entries(user, participant):
    return [
        TimelineEntry(session.held_on, "session", session)
        for session in records_of(participant, CoachingSession, "consultant", user=user)
    ]


def session_html(session):
    return timeline.html(
        format_html(
            "<div><strong>{}</strong>, {} · {}</div>",
            session.get_kind_display(),
            _("%(minutes)s min") % {"minutes": timeline.localized(session.minutes)},
            session.consultant,
        ),
        timeline.when(
            session.themes,
            '<div class="small">{}</div>',
            timeline.join(session.get_themes_display()),
        ),
        timeline.when(
            session.notes,
            '<div class="small border-start ps-2 my-1">{}</div>',
            linebreaksbr(session.notes, autoescape=True),
        ),
        timeline.when(
            session.agreed_actions,
            '<div class="small"><em>{}:</em> {}</div>',
            _("Agreed"),
            session.agreed_actions,
        ),
        timeline.when(
            session.next_appointment,
            '<div class="small">{}: {}</div>',
            _("Next appointment"),
            formatting.date_time(session.next_appointment),
        ),
    )


def session_form(request, participant):
    return {"session_form": CoachingSessionForm(minutes=usual_session_minutes(request.user))}


def register():
    page.add_timeline_source(30, session_entries)
    page.add_timeline_kind("session", session_html)
    page.add_context_part(session_form)
