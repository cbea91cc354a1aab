"""Words for the audit keys the participants app writes (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

from vakwerk import formatting
from vakwerk.audit_text import choice_label_any_language, field_names

from .models import NetworkMeasurement

FIXED = {
    "case notes": pgettext_lazy("audit", "case notes"),
    "talent profile": pgettext_lazy("audit", "talent profile"),
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
}

PATTERNS = [
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
            % {"fields": field_names(m["fields"], "talentprofile")}
            if m["fields"]
            else str(FIXED["talent profile"])
        ),
    ),
    (
        # Stored as the moment's value (months since the group; early rows hold the label
        # in the writer's language): shown as the label in the reader's language.
        re.compile(r"^network measurement: (?P<moment>.*)$"),
        lambda m, _t: (
            gettext("network measurement: %(moment)s")
            % {"moment": choice_label_any_language(NetworkMeasurement, "moment", m["moment"])}
        ),
    ),
]

# A participant's changed fields (participants.services): their names. Broad, so it comes
# after every app's own patterns.
FALLBACK_PATTERNS = [
    (
        re.compile(r"^(?P<fields>[a-z_]+(, [a-z_]+)*)$"),
        lambda m, object_type: field_names(m["fields"], object_type or "participant"),
    ),
]
