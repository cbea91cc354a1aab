"""Words for the audit keys reports write (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

from vakwerk.audit_text import choice_label

from .models import Report

FIXED = {
    "report PDF": pgettext_lazy("audit", "report PDF"),
    "report retried": pgettext_lazy("audit", "report retried"),
}

PATTERNS = [
    (
        re.compile(r"^(?P<kind>\w+) report requested$"),
        lambda m, _t: (
            gettext("%(kind)s requested") % {"kind": choice_label(Report, "kind", m["kind"])}
        ),
    ),
]
