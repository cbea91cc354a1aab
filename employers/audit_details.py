"""Words for the audit keys the employers app writes (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

from vakwerk.audit_text import choice_label

from .models import Match

FIXED = {
    "talent profile PDF": pgettext_lazy("audit", "talent profile PDF"),
    "match": pgettext_lazy("audit", "match"),
    "employer user invited": pgettext_lazy("audit", "employer user invited"),
}

PATTERNS = [
    (
        re.compile(r"^match (?P<stage>\w+)$"),
        lambda m, _t: (
            gettext("match: %(stage)s") % {"stage": choice_label(Match, "stage", m["stage"])}
        ),
    ),
]
