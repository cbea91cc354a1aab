"""Words for the audit keys the funding app writes (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

FIXED = {
    "commitment requested": pgettext_lazy("audit", "commitment requested"),
    "fund created": pgettext_lazy("audit", "fund created"),
    "commitments": pgettext_lazy("audit", "commitments"),
}

PATTERNS = [
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
]
