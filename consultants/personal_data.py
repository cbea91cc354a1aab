"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "consultants.CoachingSession",
        path="participant",
        section="coaching_sessions",
        label=_("Coaching sessions"),
        order_by=("held_on", "pk"),
        select_related=("consultant", "meeting"),
        displays={"themes": "get_themes_display"},
        blank={"notes": "", "agreed_actions": ""},
        keep=(
            "id",
            "consultant",
            "participant",
            "meeting",
            "held_on",
            "minutes",
            "kind",
            "next_appointment",
            "created_at",
        ),
        kept_text={"themes": "Codes from the fixed list of themes."},
        timeline="session",
    ),
]
