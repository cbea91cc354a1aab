"""The participant page's timeline entries as HTML, written in Python: at 45 entries the
template's per-entry chain of kinds, look-ups and filters cost 7 ms of a 45 ms page.
Each kind's body comes from the app that adds the kind (`page.add_timeline_kind`); this
module writes the entry around it and participants' own kinds. Every value is escaped
(`format_html`, `conditional_escape`); the words are the template's, in its msgids."""

from django.template.defaultfilters import linebreaksbr
from django.utils import formats
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from vakwerk import formatting

from . import page

MUTED_BY = ' <span class="small text-body-secondary">· {}</span>'


def html(*parts):
    """Parts already escaped (format_html's) as one safe string; empty ones left out."""
    return mark_safe("".join(part for part in parts if part))  # noqa: S308 (parts are safe)


def when(condition, template, *args):
    return format_html(template, *args) if condition else ""


def entry_html(entry):
    render = page.timeline_renderer(entry.kind)
    return format_html(
        '<li class="list-group-item"><div class="d-flex justify-content-between flex-wrap'
        ' gap-2 small text-body-secondary"><span>{}</span> <span>{}</span></div>{}</li>',
        formatting.date(entry.when),
        entry.label,
        render(entry.obj) if render else "",
    )


def status_html(change):
    return html(
        format_html(
            "<div>{}<strong>{}</strong>{}</div>",
            when(change.from_status, "{} → ", change.get_from_status_display()),
            change.get_to_status_display(),
            when(change.changed_by, MUTED_BY, change.changed_by),
        ),
        when(change.note, '<div class="small">{}</div>', change.note),
    )


def intake_html(intake):
    return html(
        format_html(
            "<div>{}: <strong>{}</strong></div>",
            _("Development potential"),
            intake.get_development_potential_display(),
        ),
        when(
            intake.passion_inventory,
            '<div class="small">{}</div>',
            linebreaksbr(intake.passion_inventory, autoescape=True),
        ),
        when(
            intake.selection_motivation,
            '<div class="small" data-testid="selection-motivation"><em>{}:</em> {}</div>',
            _("Selection motivation"),
            linebreaksbr(intake.selection_motivation, autoescape=True),
        ),
    )


def rung_html(rung):
    return format_html(
        '<div>{} <span class="small text-body-secondary">({})</span></div>',
        rung.get_rung_display(),
        rung.get_moment_display(),
    )


def change_html(change):
    return format_html(
        "<div>{}: <del>{}</del> → <strong>{}</strong>{}</div>",
        capfirst(change.field_label),
        change.old_value or "—",
        change.new_value or "—",
        when(change.changed_by, MUTED_BY, change.changed_by),
    )


def training_html(training):
    return format_html(
        '<div data-testid="timeline-training"><strong>{}</strong> · {} ({}) · {}{}{}</div>',
        training.name,
        training.provider,
        training.get_kind_display(),
        training.get_result_display(),
        when(training.end_date, " · {} {}", _("until"), formatting.date(training.end_date)),
        when(
            training.certificate, " · {}: {}", _("certificate"), training.get_certificate_display()
        ),
    )


def outcome_html(outcome):
    return format_html(
        "<div><strong>{}</strong>: {}{} · {}{}</div>",
        outcome.get_follow_up_display(),
        outcome.get_employment_display(),
        when(
            outcome.hours_per_week,
            ", {} {}",
            localized(outcome.hours_per_week),
            _("hours/week"),
        ),
        outcome.get_benefit_status_display(),
        when(outcome.benefit_end_reason, " ({})", outcome.get_benefit_end_reason_display()),
    )


def localized(value):
    """A number as a template shows `{{ value }}`: Django's localisation."""
    return formats.localize(value)


def join(values, separator=", "):
    return mark_safe(separator.join(conditional_escape(value) for value in values))  # noqa: S308


def register_timeline_kinds():
    """participants' own kinds (ParticipantsConfig.ready())."""
    page.add_timeline_kind("status", status_html)
    page.add_timeline_kind("intake", intake_html)
    page.add_timeline_kind("rung", rung_html)
    page.add_timeline_kind("change", change_html)
    page.add_timeline_kind("training", training_html)
    page.add_timeline_kind("outcome", outcome_html)
