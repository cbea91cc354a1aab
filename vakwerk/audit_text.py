"""What an audit entry says, in the reader's language, made when it is shown.

The trail is append-only and read for years, by people who pick Dutch or English: it stores
fixed keys written by the code ("case notes", "research export csv, 1016 rows"), never a
sentence for display. `describe` turns a key into text in the active language; the keys and
their shapes are listed here, so that one that is not listed shows as it was stored
(and the test in tests/vakwerk/test_formatting.py names it).

Object kinds are the models' verbose names, actions AuditAction's labels and roles Role's:
all translated through the catalogue."""

import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.translation import gettext, pgettext_lazy

from . import formatting
from .roles import Role

# Fixed keys → text. The context keeps "page" or "status" of the trail apart from the same
# English word elsewhere in the interface.
FIXED = {
    "page": pgettext_lazy("audit", "page"),
    "case notes": pgettext_lazy("audit", "case notes"),
    "talent profile": pgettext_lazy("audit", "talent profile"),
    "talent profile PDF": pgettext_lazy("audit", "talent profile PDF"),
    "match": pgettext_lazy("audit", "match"),
    "employer user invited": pgettext_lazy("audit", "employer user invited"),
    "research export retried": pgettext_lazy("audit", "research export retried"),
    "report PDF": pgettext_lazy("audit", "report PDF"),
    "report retried": pgettext_lazy("audit", "report retried"),
    "benefit register import requested": pgettext_lazy(
        "audit", "benefit register import requested"
    ),
    "benefit register import confirmed": pgettext_lazy(
        "audit", "benefit register import confirmed"
    ),
    "questionnaire answered": pgettext_lazy("audit", "questionnaire answered"),
    "questionnaire invitation": pgettext_lazy("audit", "questionnaire invitation"),
    "coaching session": pgettext_lazy("audit", "coaching session"),
    "data-subject access": pgettext_lazy("audit", "data-subject access"),
    "data-subject access JSON": pgettext_lazy("audit", "data-subject access JSON"),
    "data-subject access PDF": pgettext_lazy("audit", "data-subject access PDF"),
    "retention period ended": pgettext_lazy("audit", "retention period ended"),
    "status": pgettext_lazy("audit", "status"),
    "intake": pgettext_lazy("audit", "intake"),
    "follow-up": pgettext_lazy("audit", "follow-up"),
    "BSN hint: already registered": pgettext_lazy("audit", "BSN hint: already registered"),
    "BSN search: found": pgettext_lazy("audit", "BSN search: found"),
    "BSN search: not found": pgettext_lazy("audit", "BSN search: not found"),
    "edit form with BSN": pgettext_lazy("audit", "edit form with BSN"),
    "commitment requested": pgettext_lazy("audit", "commitment requested"),
    "fund created": pgettext_lazy("audit", "fund created"),
    "commitments": pgettext_lazy("audit", "commitments"),
    "audit trail export": pgettext_lazy("audit", "audit trail export"),
    "invitation: address in use elsewhere": pgettext_lazy(
        "audit", "invitation: address in use elsewhere"
    ),
    "calendar feed link renewed": pgettext_lazy("audit", "calendar feed link renewed"),
    "calendar feed link revoked": pgettext_lazy("audit", "calendar feed link revoked"),
    "admin": pgettext_lazy("audit", "Django admin"),
    "second factor reset": pgettext_lazy("audit", "second factor reset"),
    "backup codes renewed": pgettext_lazy("audit", "backup codes renewed"),
}


def _choice(app_model, field, value):
    """A choice's label in the active language; the stored value when it is not one."""
    try:
        model_field = apps.get_model(app_model)._meta.get_field(field)
    except (LookupError, FieldDoesNotExist):
        return value
    return str(dict(model_field.flatchoices).get(value, value))


def _export_format(code):
    return _choice("research.ResearchExport", "format", code)


def _report_kind(code):
    return _choice("reports.Report", "kind", code)


def _stage(code):
    return _choice("employers.Match", "stage", code)


def _role(code):
    return str(dict(Role.choices).get(code, code))


def _model_plural(model_name):
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return str(model._meta.verbose_name_plural)
    return model_name


def _field_names(fields, model_name):
    """ "first_name, bsn" → "voornaam, BSN": the fields' verbose names."""
    models = [m for m in apps.get_models() if m._meta.model_name == model_name]
    shown = []
    for name in fields.split(", "):
        try:
            field = models[0]._meta.get_field(name)
        except (IndexError, FieldDoesNotExist):
            shown.append(name)
            continue
        # A reverse relation (a participant's provisions) has no verbose name of its own.
        shown.append(str(getattr(field, "verbose_name", None)
                         or field.related_model._meta.verbose_name_plural))  # fmt: skip
    return ", ".join(shown)


def _moment(text):
    # Stored as the moment's value (months since the group; early rows hold the label in
    # the writer's language): shown as the label in the reader's language.
    try:
        field = apps.get_model("participants.NetworkMeasurement")._meta.get_field("moment")
    except (LookupError, FieldDoesNotExist):
        return text
    for value, label in field.flatchoices:
        with translation.override("nl"):
            dutch = str(label)
        with translation.override("en"):
            english = str(label)
        if text in (str(value), dutch, english):
            return str(label)
    return text


# Keys with values in them: (pattern, text in the active language from the match).
PATTERNS = [
    (
        re.compile(r"^research export (?P<format>\w+), (?P<rows>\d+) rows$"),
        lambda m, _t: (
            gettext("research export %(format)s, %(rows)s rows")
            % {"format": _export_format(m["format"]), "rows": formatting.number(int(m["rows"]))}
        ),
    ),
    (
        re.compile(r"^research export (?P<format>\w+)$"),
        lambda m, _t: (
            gettext("research export %(format)s") % {"format": _export_format(m["format"])}
        ),
    ),
    (
        re.compile(r"^(?P<kind>\w+) report requested$"),
        lambda m, _t: gettext("%(kind)s requested") % {"kind": _report_kind(m["kind"])},
    ),
    (
        re.compile(r"^match (?P<stage>\w+)$"),
        lambda m, _t: gettext("match: %(stage)s") % {"stage": _stage(m["stage"])},
    ),
    (
        re.compile(r"^import preview: (?P<rows>\d+) rows, (?P<known>\d+) already registered$"),
        lambda m, _t: (
            gettext("import preview: %(rows)s rows, %(known)s already registered")
            % {
                "rows": formatting.number(int(m["rows"])),
                "known": formatting.number(int(m["known"])),
            }
        ),
    ),
    (
        re.compile(r"^talent profile: (?P<fields>.*)$"),
        lambda m, _t: (
            gettext("talent profile: %(fields)s")
            % {"fields": _field_names(m["fields"], "talentprofile")}
            if m["fields"]
            else str(FIXED["talent profile"])
        ),
    ),
    (
        re.compile(r"^network measurement: (?P<moment>.*)$"),
        lambda m, _t: (
            gettext("network measurement: %(moment)s") % {"moment": _moment(m["moment"])}
        ),
    ),
    (
        re.compile(
            r"^evaluation session: (?P<phase>\w+); "
            r"actions \+(?P<added>\d+) ~(?P<changed>\d+) -(?P<removed>\d+)$"
        ),
        lambda m, _t: (
            gettext(
                "evaluation session: %(phase)s; actions: %(added)s added, %(changed)s "
                "changed, %(removed)s removed"
            )
            % {
                "phase": _choice("dashboards.EvaluationSession", "phase", m["phase"]),
                "added": m["added"],
                "changed": m["changed"],
                "removed": m["removed"],
            }
        ),
    ),
    (
        re.compile(r"^savings assumptions version (?P<version>\d+)$"),
        lambda m, _t: (
            gettext("savings assumptions version %(version)s") % {"version": m["version"]}
        ),
    ),
    (
        re.compile(r"^ledger export (?P<format>\w+)$"),
        lambda m, _t: gettext("ledger export %(format)s") % {"format": m["format"]},
    ),
    (
        re.compile(r"^admin list (?P<model>\w+)$"),
        lambda m, _t: (
            gettext("Django admin list: %(objects)s") % {"objects": _model_plural(m["model"])}
        ),
    ),
    (
        re.compile(r"^(?P<old>\w*) → (?P<new>\w+)$"),
        lambda m, _t: f"{_role(m['old']) or '—'} → {_role(m['new'])}",
    ),
    (
        # A participant's changed fields (participants.services): their names.
        re.compile(r"^(?P<fields>[a-z_]+(, [a-z_]+)*)$"),
        lambda m, object_type: _field_names(m["fields"], object_type or "participant"),
    ),
]


def describe(detail, object_type=""):
    """The 'What' of an entry in the active language; a key this module does not know
    shows as it was stored."""
    if not detail:
        return ""
    if detail in FIXED:
        return str(FIXED[detail])
    for pattern, text in PATTERNS:
        match = pattern.match(detail)
        if match:
            return text(match, object_type)
    return detail


def is_known(detail, object_type=""):
    """Whether `describe` has Dutch words for the key (the test's question)."""
    if not detail or detail in FIXED:
        return True
    with translation.override("nl"):
        return describe(detail, object_type) != detail
