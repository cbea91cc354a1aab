"""Words for the audit keys the SRG delivery writes (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

FIXED = {
    "SRG build requested": pgettext_lazy("audit", "SRG file requested"),
    "SRG file removed: retention period ended": pgettext_lazy(
        "audit", "SRG file removed: retention period ended"
    ),
    "SRG file removed: superseded by a newer version": pgettext_lazy(
        "audit", "SRG file removed: superseded by a newer version"
    ),
}

PATTERNS = [
    (
        re.compile(
            r"^SRG (?P<month>\d{4}-\d{2}) v(?P<version>\d+): (?P<records>\d+) records, "
            r"(?P<errors>\d+) errors$"
        ),
        lambda m, _t: (
            gettext("SRG %(month)s version %(version)s: %(records)s records, %(errors)s errors")
            % m.groupdict()
        ),
    ),
    (
        re.compile(r"^SRG (?P<month>\d{4}-\d{2}) v(?P<version>\d+)$"),
        lambda m, _t: gettext("SRG %(month)s version %(version)s") % m.groupdict(),
    ),
]
