"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "employers.Match",
        path="participant",
        section="matches",
        label=_("Matches with employers"),
        order_by=("created_at", "pk"),
        select_related=("opportunity__employer", "proposed_by"),
        blank={"rejection_reason": ""},
        keep=(
            "id",
            "participant",
            "opportunity",
            "stage",
            "score",
            "proposed_by",
            "created_at",
            "updated_at",
        ),
        timeline="match",
    ),
    Holds(
        "employers.Placement",
        path="match__participant",
        section="placements",
        label=_("Placements"),
        order_by=("start_date", "pk"),
        select_related=("match__opportunity__employer", "created_by"),
        # The handover tells the workplace about the person: it goes, the placement stays.
        blank={"handover": ""},
        keep=(
            "id",
            "match",
            "start_date",
            "contract",
            "hours_per_week",
            "created_by",
            "created_at",
        ),
        timeline="match",  # shown with its match
    ),
]
