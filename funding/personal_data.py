"""What this app holds about a participant (format: participants/personal_data.py)."""

from django.utils.translation import gettext_lazy as _

from participants.personal_data import Holds

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
            "savings_calculation": _(
                "The calculation behind a replenishment of a fund; a booking on a "
                "commitment has none."
            ),
            # The ledger is append-only (vakwerk/db.py refuses UPDATE and DELETE), so
            # nothing in it can be blanked later: what it says is decided when it is booked.
            "description": _(
                "A booking text of the append-only ledger. The booking of a commitment says "
                "only its number, never its purpose, and a text that names the participant "
                "is refused when it is booked."
            ),
        },
    ),
]
