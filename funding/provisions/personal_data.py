"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "provisions.Provision",
        path="participant",
        section="provisions",
        label=_("Provisions (SRG)"),
        order_by=("start_date", "pk"),
        select_related=("kind", "recorded_by"),
        # Kinds, dates and amounts: what the SRG and the figures count; no free text.
        keep=(
            "id",
            "municipality",
            "participant",
            "kind",
            "start_date",
            "end_date",
            "wage_subsidy_percentage",
            "wage_subsidy_amount",
            "source",
            "source_id",
            "recorded_by",
            "created_at",
        ),
    ),
]
