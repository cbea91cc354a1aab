"""What funding adds to a participant's page (`participants.page`): the budget
commitments on the timeline."""

from django.utils import timezone
from django.utils.html import format_html

from participants import page
from participants.selectors import TimelineEntry, records_of
from vakwerk import formatting

from .models import Commitment


def commitment_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(commitment.requested_at), "commitment", commitment)
        for commitment in records_of(participant, Commitment, "fund", user=user)
    ]


def commitment_html(commitment):
    return format_html(
        "<div><strong>{}</strong> · {} · {} · {}</div>",
        commitment.purpose,
        commitment.fund.name,
        formatting.money(commitment.amount),
        commitment.get_status_display(),
    )


def register():
    page.add_timeline_source(70, commitment_entries)
    page.add_timeline_kind("commitment", commitment_html)
