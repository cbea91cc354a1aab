"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds


def commitment_booking_text(commitment):
    """The ledger's text for booking a commitment: its number only. The purpose stays on
    the commitment, where anonymisation can blank it; the ledger can never be changed."""
    return gettext("Commitment %(number)s") % {"number": commitment.pk}


def refuse_personal_text(description, participant):
    """A booking on a participant's commitment is kept for good (append-only), so its
    text may not name them: neither their last name nor their BSN."""
    text = description.casefold()
    names = [participant.last_name, participant.bsn]
    if any(name and len(name) >= 3 and name.casefold() in text for name in names):
        raise ValidationError(
            {
                "description": gettext(
                    "The ledger is kept for good and cannot be anonymised: describe the "
                    "cost without naming the participant, e.g. “Invoice VCA course”."
                )
            },
            code="personal_text",
        )


DECLARATIONS = [
    Holds(
        "funding.Commitment",
        path="participant",
        section="commitments",
        label=_("Commitments from funds"),
        order_by=("requested_at", "pk"),
        select_related=("fund", "match__opportunity", "requested_by", "decided_by"),
        # What the money was for and why it was refused describe the person; the amount,
        # status and fund are what the fund's books and the savings figures count.
        blank={"purpose": "", "rejection_reason": ""},
        keep=(
            "id",
            "fund",
            "participant",
            "match",
            "amount",
            "status",
            "requested_by",
            "requested_at",
            "decided_by",
            "decided_at",
        ),
        timeline="commitment",
    ),
    Holds(
        "funding.LedgerEntry",
        path="commitment__participant",
        section="ledger_entries",
        label=_("Bookings on their commitments"),
        order_by=("booked_at", "pk"),
        select_related=("fund", "booked_by"),
        keep=(
            "id",
            "fund",
            "kind",
            "amount",
            "booked_at",
            "booked_by",
            "commitment",
            "corrects",
        ),
        kept_text={
            "savings_calculation": (
                "The calculation behind a replenishment of a fund; a booking on a "
                "commitment has none."
            ),
            # The ledger is append-only (vakwerk/db.py refuses UPDATE and DELETE), so
            # nothing in it can be blanked later: what it says is decided when it is booked.
            "description": (
                "A booking text of the append-only ledger. The booking of a commitment says "
                "only its number, never its purpose, and a text that names the participant "
                "is refused when it is booked."
            ),
        },
    ),
]
