"""The accessibility statement (toegankelijkheidsverklaring) as data, after the Dutch
government's model: which application, which standard, the compliance status and why, how
it was evaluated, the known shortcomings and who to contact.

The evaluation method and the shortcomings come from ``vakwerk.accessibility``, the module
the axe-core browser test reads, so the page describes the test that actually runs: a
new exception there is a new shortcoming here without anyone editing this page.
"""

import datetime
from dataclasses import dataclass

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from vakwerk import accessibility
from vakwerk.roles import Role

# The day the statement was last drawn up and checked against the test; a change to the
# test's scope or exceptions should move it.
STATEMENT_DATE = datetime.date(2026, 11, 30)

# Status of the Dutch model. The automated test covers only the success criteria a
# machine can check (contrast, names, structure), not all of WCAG 2.1 AA, and no accredited
# party has audited the application: status A (and B, which asks for a full audit of every
# criterion) cannot be claimed. C: first measures taken.
STATUS = "C"
STATUSES = (
    ("A", _("Fully compliant")),
    ("B", _("Partially compliant")),
    ("C", _("First measures taken")),
    ("D", _("No measures taken")),
    ("E", _("Not compliant")),
)

_TAG_NAMES = {
    "wcag2a": _("WCAG 2.0 level A"),
    "wcag2aa": _("WCAG 2.0 level AA"),
    "wcag21a": _("WCAG 2.1 level A"),
    "wcag21aa": _("WCAG 2.1 level AA"),
    "wcag22aa": _("WCAG 2.2 level AA"),
}


@dataclass(frozen=True)
class Shortcoming:
    rule: str
    page: str
    reason: str
    plan: str


@dataclass(frozen=True)
class Statement:
    date: datetime.date
    status: str
    status_label: str
    statuses: tuple
    tags: list
    extra_rules: tuple
    widths: tuple
    roles: list
    shortcomings: list
    municipality: object  # the reader's municipality, None when not known


def _text(value):
    # Reasons are written in English next to the test; a Dutch entry in the catalogue
    # shows them in Dutch, without one they still show.
    return gettext(value) if value else ""


def shortcomings():
    return [
        Shortcoming(
            rule=exception["rule"],
            page=exception.get("page") or "*",
            reason=_text(exception.get("reason", "")),
            plan=_text(exception.get("plan", "")),
        )
        for exception in accessibility.AXE_EXCEPTIONS
    ]


def statement(user=None):
    """The statement for a reader; a logged-in reader's municipality is their contact.
    No query: the user and their municipality are what the request already loaded."""
    municipality = None
    if user is not None and user.is_authenticated and user.municipality_id:
        municipality = user.municipality
    return Statement(
        date=STATEMENT_DATE,
        status=STATUS,
        status_label=dict(STATUSES)[STATUS],
        statuses=STATUSES,
        tags=[_TAG_NAMES.get(tag, tag) for tag in accessibility.AXE_TAGS],
        extra_rules=accessibility.AXE_EXTRA_RULES,
        widths=accessibility.AUDIT_WIDTHS,
        roles=[label for _value, label in Role.choices],
        shortcomings=shortcomings(),
        municipality=municipality,
    )
