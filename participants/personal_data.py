"""What the participants app holds about a participant (format:
vakwerk/privacy_declarations.py)."""

from django.utils.translation import gettext_lazy as _

from vakwerk.privacy_declarations import Holds

from .models import NETWORK_FIGURES, OUTCOME_FIGURES, TRAINING_FIGURES


def number_sign(participant):
    """The anonymised last name: "#" and the participant number."""
    return f"#{participant.pk}"


# --- this app's models ---------------------------------------------------------------------

DECLARATIONS = [
    Holds(
        "participants.Participant",
        path="",
        section="participant",
        label=_("Personal data"),
        single=True,
        select_related=("municipality", "programme", "consultant"),
        # The BSN, name, birth date, postcode and benefit amount identify the person; the
        # number stays so that figures and the audit trail still count them once.
        blank={
            "bsn": None,
            "first_name": "Geanonimiseerd",
            "last_name": number_sign,
            "birth_date": None,
            "postcode": "",
            "monthly_benefit": None,
        },
        keep=(
            "id",
            "municipality",
            "programme",
            "benefit_type",
            "benefit_start",
            "consultant",
            "consent_research",
            "consent_share_profile",
            "consent_share_name",
            "status",
            "enrolled_on",
            "target_group",
            "created_at",
            "in_comparison_group",
            "anonymised_at",
        ),
    ),
    Holds(
        "participants.StatusChange",
        path="participant",
        section="status_history",
        label=_("Status history"),
        order_by=("changed_at", "pk"),
        select_related=("changed_by",),
        blank={"note": ""},
        keep=("id", "participant", "from_status", "to_status", "changed_at", "changed_by"),
        timeline="status",
    ),
    Holds(
        "participants.Intake",
        path="participant",
        section="intake",
        label=_("Intake"),
        single=True,
        select_related=("held_by",),
        blank=dict.fromkeys(
            (
                "passion_inventory",
                "knowledge",
                "skills",
                "behaviour",
                "notes",
                "selection_motivation",
            ),
            "",
        ),
        keep=("id", "participant", "held_on", "held_by", "development_potential"),
        timeline="intake",
    ),
    Holds(
        "participants.LadderRung",
        path="participant",
        section="participation_ladder",
        label=_("Participation ladder"),
        order_by=("recorded_on", "pk"),
        select_related=("recorded_by",),
        keep=("id", "participant", "recorded_on", "moment", "rung", "recorded_by"),
        timeline="rung",
    ),
    Holds(
        "participants.Enrolment",
        path="participant",
        section="enrolments",
        label=_("Groups"),
        order_by=("enrolled_on", "pk"),
        select_related=("cohort",),
        keep=("id", "cohort", "participant", "enrolled_on"),
    ),
    Holds(
        "participants.Attendance",
        path="participant",
        section="attendance",
        label=_("Attendance"),
        order_by=("meeting__held_on", "pk"),
        select_related=("meeting__cohort",),
        keep=("id", "meeting", "participant", "present"),
    ),
    Holds(
        "participants.OutcomeMeasurement",
        path="participant",
        section="outcome_measurements",
        label=_("Follow-ups"),
        order_by=("due_on", "pk"),
        select_related=("cohort", "recorded_by"),
        keep=("id", "participant", "cohort", *OUTCOME_FIGURES, "recorded_by"),
        timeline="outcome",
    ),
    Holds(
        "participants.NetworkMeasurement",
        path="participant",
        section="network_measurements",
        label=_("Network measurements"),
        order_by=("moment", "pk"),
        select_related=("recorded_by",),
        # Counts and a rating on a fixed scale: figures the evaluation compares over time.
        keep=("id", "participant", *NETWORK_FIGURES, "recorded_by"),
    ),
    Holds(
        "participants.Training",
        path="participant",
        section="trainings",
        label=_("Training"),
        order_by=("start_date", "pk"),
        select_related=("recorded_by",),
        # The course's name and provider can say where the person worked or learned; the
        # kind, dates, hours, result and certificate are what the evaluation counts.
        blank={"name": "", "provider": ""},
        keep=("id", "participant", *TRAINING_FIGURES, "recorded_by", "created_at"),
        timeline="training",
    ),
    Holds(
        "participants.TalentProfile",
        path="participant",
        section="talent_profile",
        label=_("Talent profile"),
        single=True,
        # Written to show employers who the person is: nothing of it is a figure.
        delete=True,
    ),
]
