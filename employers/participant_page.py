"""What employers adds to a participant's page (`participants.page`): their matches on
the timeline."""

from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from participants import page, timeline
from participants.selectors import TimelineEntry, records_of
from vakwerk import formatting

from .models import Match


def match_entries(user, participant):
    return [
        TimelineEntry(timezone.localdate(match.created_at), "match", match)
        for match in records_of(participant, Match, "opportunity__employer", "placement")
    ]


def match_html(match):
    try:
        placement = match.placement
    except ObjectDoesNotExist:
        placement = None
    return timeline.html(
        format_html(
            "<div><strong>{}</strong> · {} · {}{}</div>",
            match.opportunity.title,
            match.opportunity.employer.name,
            match.get_stage_display(),
            timeline.when(match.rejection_reason, " ({})", match.rejection_reason),
        ),
        timeline.when(
            placement,
            '<div class="small" data-testid="placement">{}: {} {}, {}, {} {}</div>',
            _("Placement"),
            _("starts"),
            placement and formatting.date(placement.start_date),
            placement and placement.get_contract_display(),
            placement and timeline.localized(placement.hours_per_week),
            _("hours/week"),
        ),
    )


def register():
    page.add_timeline_source(60, match_entries)
    page.add_timeline_kind("match", match_html)
