"""What VAKwerk holds about a participant, declared per model, next to the models.

Each app has a `personal_data.py` with a list `DECLARATIONS`. A model that reaches a
participant (a relation to Participant, one through another model such as Answer →
Response → Invitation → participant, or a plain `participant_id` number) is declared
there as one of:

- `Holds(...)`: rows about the person. `path` is the ORM lookup from the model to the
  participant. Every stored field goes into the inzage export (AVG art. 15). Every
  field is sorted into what the retention anonymisation does with it: `blank` (replaced by
  the value given), `keep` (figures, codes, dates and links the evaluation counts) or
  `kept_text` (a text that stays, with the reason why it is not about the person), or the
  rows are deleted whole (`delete=True`). `timeline` names the entry kind the
  participant's timeline shows the rows as, or None.
- `NotPersonal(model, why)`: reaches a participant only on paper; says why it holds
  nothing about them.

`participants/privacy.py` builds the inzage export and the anonymisation from these
declarations only; `tests/participants/test_privacy_declarations.py` walks every model
and relation of the project and fails when one that reaches a participant is declared
nowhere, or when a field of a declared model is not sorted.
"""

import functools
import importlib
from dataclasses import dataclass, field

from django.apps import apps
from django.utils import translation
from django.utils.module_loading import module_has_submodule
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

MODULE = "personal_data"
# Sections of the export in this order; apps not named here follow, in INSTALLED_APPS order.
APP_ORDER = ("participants", "consultants", "employers", "funding", "questionnaires", "vakwerk")


@dataclass(frozen=True)
class Holds:
    model: str  # "app_label.ModelName"
    path: str  # lookup from the model to the participant; "" for Participant itself
    section: str  # key of the section in the inzage JSON
    label: object  # heading of the section (lazy translation)
    blank: dict = field(default_factory=dict)  # field -> value anonymisation writes
    keep: tuple = ()  # fields anonymisation leaves as they are
    kept_text: dict = field(default_factory=dict)  # free text that stays -> why
    delete: bool = False  # anonymisation removes the rows whole
    timeline: str | None = None  # kind of the timeline entry, None when not shown
    single: bool = False  # at most one row per participant: the section is a dict
    order_by: tuple = ("pk",)
    select_related: tuple = ()  # relations whose name the export shows beside the id
    displays: dict = field(default_factory=dict)  # field -> model method giving labels

    def get_model(self):
        return apps.get_model(self.model)

    def rows_of(self, participant):
        """The rows about the participant, however the model reaches them."""
        # The number, not the object: `participant_id` of the audit trail is a plain
        # number, and a relation's lookup takes the number as well.
        return self.get_model()._base_manager.filter(**{self.path or "pk": participant.pk})

    @property
    def sorted_fields(self):
        return set(self.blank) | set(self.keep) | set(self.kept_text)


@dataclass(frozen=True)
class NotPersonal:
    model: str
    why: str

    def get_model(self):
        return apps.get_model(self.model)


@functools.cache
def declarations():
    """Every declaration of every installed app, sections in export order."""
    configs = sorted(
        apps.get_app_configs(),
        key=lambda config: (
            APP_ORDER.index(config.label) if config.label in APP_ORDER else len(APP_ORDER)
        ),
    )
    found = []
    for config in configs:
        if module_has_submodule(config.module, MODULE):
            module = importlib.import_module(f"{config.name}.{MODULE}")
            found.extend(module.DECLARATIONS)
    return tuple(found)


def holdings():
    return [item for item in declarations() if isinstance(item, Holds)]


def declared_models():
    return {item.get_model(): item for item in declarations()}


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
        keep=(
            "id",
            "participant",
            "cohort",
            "follow_up",
            "due_on",
            "measured_on",
            "employment",
            "hours_per_week",
            "contract",
            "benefit_status",
            "benefit_end_reason",
            "source",
            "recorded_by",
        ),
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
        keep=(
            "id",
            "participant",
            "moment",
            "measured_on",
            "work_contacts",
            "employer_contacts",
            "self_rating",
            "recorded_by",
        ),
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
        keep=(
            "id",
            "participant",
            "kind",
            "start_date",
            "end_date",
            "hours",
            "result",
            "certificate",
            "certificate_on",
            "recorded_by",
            "created_at",
        ),
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


# --- the README's account of it --------------------------------------------------------

README_START = "<!-- personal-data: generated from the personal_data.py declarations -->"
README_END = "<!-- /personal-data -->"


def _blank_text(value):
    if callable(value):
        return (value.__doc__ or "").strip().split(":")[-1].strip().rstrip(".") or "replaced"
    return "empty" if value in ("", None) else f"“{value}”"


def readme_section():
    """What the README says the inzage export and the anonymisation cover, written from the
    declarations; a test checks the README holds exactly this."""
    with translation.override("en"):
        lines = [
            README_START,
            "| Record (model) | Inzage section | Anonymisation | Timeline |",
            "|---|---|---|---|",
        ]
        kept = []
        for item in holdings():
            if item.delete:
                anonymisation = "rows deleted"
            elif item.blank:
                anonymisation = "blanks " + ", ".join(
                    f"`{name}` ({_blank_text(value)})" for name, value in item.blank.items()
                )
            else:
                anonymisation = "kept as is"
            lines.append(
                f"| {capfirst(item.get_model()._meta.verbose_name)} (`{item.model}`) "
                f"| `{item.section}` | {anonymisation} | {item.timeline or '—'} |"
            )
            kept += [f"- `{item.model}.{name}`: {why}" for name, why in item.kept_text.items()]
        lines += ["", "Texts anonymisation keeps, and why they are not about the person:", ""]
        lines += kept
        not_personal = [item for item in declarations() if isinstance(item, NotPersonal)]
        if not_personal:
            lines += ["", "Reaches a participant but holds nothing about them:", ""]
            lines += [f"- `{item.model}`: {item.why}" for item in not_personal]
        lines.append(README_END)
    return "\n".join(lines)
