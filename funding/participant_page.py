"""What funding adds to a participant's page (`participants.page`): the budget
commitments on the timeline."""

from django.utils import timezone

from participants import page
from participants.selectors import TimelineEntry, participant_rows

from .models import Commitment


def commitment_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(commitment.requested_at), "commitment", commitment)
        for commitment in participant_rows(
            "timeline.commitments",
            participant,
            lambda user, participant_id: (
                Commitment.objects.for_user(user)
                .filter(participant_id=participant_id)
                .select_related("fund")
            ),
            user=user,
        )
    ]


def register():
    page.add_timeline_source(70, commitment_entries)
