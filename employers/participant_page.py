"""What employers adds to a participant's page (`participants.page`): their matches on
the timeline."""

from django.utils import timezone

from participants import page
from participants.selectors import TimelineEntry, participant_rows

from .models import Match


def match_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(match.created_at), "match", match)
        for match in participant_rows(
            "timeline.matches",
            participant,
            lambda participant_id: Match.objects.filter(
                participant_id=participant_id
            ).select_related("opportunity__employer", "placement"),
        )
    ]


def register():
    page.add_timeline_source(60, match_entries)
