"""What this app holds about a participant (format: vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

DECLARATIONS = [
    Holds(
        "vakwerk.FieldChange",
        path="participant_id",
        section="field_history",
        label=_("Changes to your data"),
        order_by=("changed_at", "pk"),
        select_related=("changed_by",),
        # The old and new values would otherwise keep the name, postcode or notes as a copy.
        blank={"old_value": "", "new_value": ""},
        keep=("id", "changed_at", "changed_by", "participant_id"),
        kept_text={
            "object_type": "The kind of record, a name from the code.",
            "object_id": "The number of the record.",
            "field": "The name of the field, from the code.",
            "field_label": "The label of the field, from the code.",
        },
        timeline="change",
    ),
    Holds(
        "vakwerk.AuditEntry",
        path="participant_id",
        section="audit_entries",
        label=_("Who consulted or changed your data"),
        order_by=("at", "pk"),
        # Append-only and written with ids only, never names or BSNs: nothing to blank.
        keep=("id", "at", "user", "municipality", "action", "participant_id"),
        kept_text={
            "user_email": "The address of the employee who acted, not the participant's.",
            "role": "The employee's role, a code.",
            "object_type": "The kind of record, a name from the code.",
            "object_id": "The number of the record.",
            "detail": "A fixed text from the code, never typed.",
            "purpose": "A fixed text from the code, never typed.",
        },
    ),
]
