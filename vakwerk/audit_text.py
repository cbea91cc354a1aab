"""What an audit entry says, in the reader's language, made when it is shown.

The trail is append-only and read for years, by people who pick Dutch or English: it stores
fixed keys written by the code ("case notes", "research export csv, 1016 rows"), never a
sentence for display. `describe` turns a key into text in the active language.

The core names no domain app: each app that writes keys brings their words in its own
`audit_details.py`, with a dict `FIXED` (key → lazy text) and a list `PATTERNS` of
(compiled regex, function(match, object_type) → text) for keys with values in them, and
`FALLBACK_PATTERNS` for a broad pattern that must come after every app's own. They are
found by convention, in INSTALLED_APPS order, the core's own (this module) last. A key that
no app lists shows as it was stored, and the test in tests/vakwerk/test_formatting.py names it.

Object kinds are the models' verbose names, actions AuditAction's labels and roles Role's:
all translated through the catalogue."""

import functools
import importlib
import re

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.utils import translation
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext, pgettext_lazy

from .roles import Role

MODULE = "audit_details"
CORE = "vakwerk"

# The core's own keys. The context keeps "page" of the trail apart from the same English
# word elsewhere in the interface.
FIXED = {
    "page": pgettext_lazy("audit", "page"),
    "audit trail export": pgettext_lazy("audit", "audit trail export"),
    "invitation: address in use elsewhere": pgettext_lazy(
        "audit", "invitation: address in use elsewhere"
    ),
    "admin": pgettext_lazy("audit", "Django admin"),
    "second factor reset": pgettext_lazy("audit", "second factor reset"),
    "backup codes renewed": pgettext_lazy("audit", "backup codes renewed"),
}


# --- what apps use to give their keys words ----------------------------------------------


def choice_label(model, field, value):
    """A choice's label of `model.field` in the active language; the stored value when it
    is not one."""
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:
        return value
    return str(dict(model_field.flatchoices).get(value, value))


def choice_label_any_language(model, field, text):
    """Like `choice_label`, for keys that early on stored the label in the writer's
    language instead of the value: any of the value, the Dutch or the English label."""
    try:
        model_field = model._meta.get_field(field)
    except FieldDoesNotExist:
        return text
    for value, label in model_field.flatchoices:
        with translation.override("nl"):
            dutch = str(label)
        with translation.override("en"):
            english = str(label)
        if text in (str(value), dutch, english):
            return str(label)
    return text


def field_names(fields, model_name):
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


def _role(code):
    return str(dict(Role.choices).get(code, code))


def _model_plural(model_name):
    for model in apps.get_models():
        if model._meta.model_name == model_name:
            return str(model._meta.verbose_name_plural)
    return model_name


PATTERNS = [
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
]


# --- the registry ------------------------------------------------------------------------


@functools.cache
def _registry():
    """Every app's fixed keys and patterns; the core's last, so that an app's pattern is
    tried before the core's catch-alls."""
    configs = sorted(apps.get_app_configs(), key=lambda config: config.name == CORE)
    fixed, patterns, fallbacks = {}, [], []
    for config in configs:
        if config.name == CORE:
            module = importlib.import_module(__name__)
        elif module_has_submodule(config.module, MODULE):
            module = importlib.import_module(f"{config.name}.{MODULE}")
        else:
            continue
        for key, text in getattr(module, "FIXED", {}).items():
            if key in fixed:
                raise ValueError(f"Audit key {key!r} is listed by two apps ({config.name}).")
            fixed[key] = text
        patterns.extend(getattr(module, "PATTERNS", []))
        fallbacks.extend(getattr(module, "FALLBACK_PATTERNS", []))
    return fixed, tuple(patterns + fallbacks)


def fixed_keys():
    """Every fixed key of every app, with its lazy text."""
    return dict(_registry()[0])


def describe(detail, object_type=""):
    """The 'What' of an entry in the active language; a key no app lists shows as it was
    stored."""
    if not detail:
        return ""
    fixed, patterns = _registry()
    if detail in fixed:
        return str(fixed[detail])
    for pattern, text in patterns:
        match = pattern.match(detail)
        if match:
            return text(match, object_type)
    return detail


def is_known(detail, object_type=""):
    """Whether `describe` has Dutch words for the key (the test's question)."""
    if not detail or detail in _registry()[0]:
        return True
    with translation.override("nl"):
        return describe(detail, object_type) != detail
