"""Words for the audit keys the programme evaluation writes (see vakwerk/audit_text.py)."""

import re

from django.utils.translation import gettext

from vakwerk.audit_text import choice_label

from .models import EvaluationSession

PATTERNS = [
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
                "phase": choice_label(EvaluationSession, "phase", m["phase"]),
                "added": m["added"],
                "changed": m["changed"],
                "removed": m["removed"],
            }
        ),
    ),
]
