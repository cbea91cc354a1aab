"""The caseload's table head and rows as HTML, written in Python: at national scale the
template's per-row look-ups, filters and escaping took 2.3 ms of a 21 ms page, as long
as its two slowest queries. The markup is the template's it replaced (the tests compare
the two); every value is escaped (`format_html`, `conditional_escape`), and each column's
name is translated once for its header and every row's data-label."""

from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from vakwerk import formatting
from vakwerk.templatetags.row_urls import RowUrl

from .caseload_selectors import GROUPS

DASH = "—"


def shows_consultant(user, members):
    """A manager sees the whole municipality, and a consultant the members of their
    groups: both need to know who coaches whom."""
    return not user.is_consultant or members == GROUPS


def _potential(participant):
    # No intake yet: the reverse one-to-one raises (an AttributeError) instead of None.
    intake = getattr(participant, "intake", None)
    return intake.get_development_potential_display() if intake else ""


def table_html(participants, user, members):
    """The thead and tbody of the caseload's table for `participants` (a page)."""
    labels = {
        "name": _("Name"),
        "status": _("Status"),
        "potential": _("Development potential"),
        "group": _("Target group"),
        "benefit": _("Benefit"),
        "contact": _("Last contact"),
        "consultant": _("Consultant"),
    }
    labels = {key: conditional_escape(label) for key, label in labels.items()}
    with_consultant = shows_consultant(user, members)
    head = "".join(
        f'<th scope="col">{labels[key]}</th>'
        for key in ("name", "status", "potential", "group", "benefit", "contact")
    )
    if with_consultant:
        head += f'<th scope="col">{labels["consultant"]}</th>'
    head += format_html(
        '<th scope="col"><span class="visually-hidden">{}</span></th>', _("Actions")
    )
    detail_url = RowUrl("participants:detail").for_pk
    session_url = RowUrl("participants:session_create").for_pk
    log_label = _("Log session") if user.is_consultant else None
    rows = []
    for participant in participants:
        consultant = (
            format_html(
                '\n      <td data-label="{}" data-testid="consultant">{}</td>',
                labels["consultant"],
                participant.consultant or DASH,
            )
            if with_consultant
            else ""
        )
        rows.append(
            format_html(
                "\n    <tr>"
                '\n      <td data-label="{}"><a href="{}">{}, {}</a></td>'
                '\n      <td data-label="{}">{}</td>'
                '\n      <td data-label="{}" data-testid="potential">{}</td>'
                '\n      <td data-label="{}">{}</td>'
                '\n      <td data-label="{}">{}</td>'
                '\n      <td data-label="{}">{}</td>'
                "{}"
                '\n      <td class="text-end">{}</td>'
                "\n    </tr>\n  ",
                labels["name"],
                detail_url(participant.pk),
                participant.last_name,
                participant.first_name,
                labels["status"],
                participant.get_status_display(),
                labels["potential"],
                _potential(participant) or DASH,
                labels["group"],
                participant.get_target_group_display(),
                labels["benefit"],
                participant.benefit_label,
                labels["contact"],
                formatting.date(participant.last_contact) or DASH,
                mark_safe(consultant),  # noqa: S308 (format_html's)
                format_html(
                    '<a class="btn btn-sm btn-outline-primary" href="{}">{}</a>',
                    session_url(participant.pk),
                    log_label,
                )
                if log_label
                else "",
            )
        )
    return mark_safe(  # noqa: S308 (format_html's and escaped labels)
        f"<thead><tr>\n    {head}\n  </tr></thead>\n  <tbody>{''.join(rows)}</tbody>"
    )
