"""The format in which each app declares what it holds about a participant, and the registry
that collects the declarations: the core names no domain app, each app brings its own.

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

The declarations are found by convention: every installed app's `personal_data` module with
a list `DECLARATIONS`, in INSTALLED_APPS order, the core's own last.
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

MODULE = "personal_data"
# The core's own rows (the audit trail's field history) close the export, after the
# domain apps' sections in INSTALLED_APPS order.
CORE = "vakwerk"


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
    configs = sorted(apps.get_app_configs(), key=lambda config: config.name == CORE)
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
