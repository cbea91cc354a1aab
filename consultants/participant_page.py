"""What consultants adds to a participant's page (`participants.page`): the coaching
sessions on the timeline and the form to log one."""

from participants import page
from participants.selectors import TimelineEntry, participant_rows

from .forms import CoachingSessionForm
from .models import CoachingSession
from .services import usual_session_minutes


def session_entries(user, participant):
    return [
        TimelineEntry(session.held_on, "session", session)
        for session in participant_rows(
            "timeline.sessions",
            participant,
            lambda user, participant_id: (
                CoachingSession.objects.for_user(user)
                .filter(participant_id=participant_id)
                .select_related("consultant")
            ),
            user=user,
        )
    ]


def session_form(request, participant):
    return {"session_form": CoachingSessionForm(minutes=usual_session_minutes(request.user))}


def register():
    page.add_timeline_source(30, session_entries)
    page.add_context_part(session_form)
