"""Words for the audit keys research exports write (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext, pgettext_lazy

from vakwerk import formatting
from vakwerk.audit_text import choice_label

from .models import ResearchExport

FIXED = {
    "research export retried": pgettext_lazy("audit", "research export retried"),
}


def _format(code):
    return choice_label(ResearchExport, "format", code)


PATTERNS = [
    (
        re.compile(r"^research export (?P<format>\w+), (?P<rows>\d+) rows$"),
        lambda m, _t: (
            gettext("research export %(format)s, %(rows)s rows")
            % {"format": _format(m["format"]), "rows": formatting.number(int(m["rows"]))}
        ),
    ),
    (
        re.compile(r"^research export (?P<format>\w+)$"),
        lambda m, _t: gettext("research export %(format)s") % {"format": _format(m["format"])},
    ),
]
