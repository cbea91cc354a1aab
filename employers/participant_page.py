"""What employers adds to a participant's page (`participants.page`): their matches on
the timeline."""

from django.utils import timezone

from participants import page
from participants.selectors import TimelineEntry

from .models import Match


def match_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(match.created_at), "match", match)
        for match in Match.objects.filter(participant=participant).select_related(
            "opportunity__employer", "placement"
        )
    ]


def register():
    page.add_timeline_source(60, match_entries)
