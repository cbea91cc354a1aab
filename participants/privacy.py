"""Privacy duties towards participants: the data-subject access request (inzageverzoek,
AVG article 15) and anonymisation when the retention period has passed.

Both work on one participant at a time and filter every query on that participant: an
export that leaks a single row of someone else is a data breach."""

import datetime
import re
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Func, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.utils import timezone
from django.utils.text import capfirst

from vakwerk import audit, pdf, privacy_declarations
from vakwerk.audit import AuditAction
from vakwerk.bsn import normalise_bsn
from vakwerk.fields import add_months, day_after
from vakwerk.models import Municipality
from vakwerk.roles import Role
from vakwerk.theme import text_colour_on_white

from .models import Enrolment, Participant

FORMAT = "vakwerk-subject-access/2"
SUBJECT_ACCESS_PURPOSE = "inzageverzoek"
RETENTION_PURPOSE = "bewaartermijn"
# The last follow-up is measured 18 months after the group ended; until then the record
# is still in use, so the retention period only starts counting after it.
FOLLOW_UP_MONTHS = 18


# --- Data-subject access -----------------------------------------------------------------


def _require_admin_of(user, participant):
    if (
        not user.is_authenticated
        or user.role != Role.ADMIN
        or not user.municipality_id
        or user.municipality_id != participant.municipality_id
    ):
        raise PermissionDenied


def find_by_bsn(admin_user, bsn):
    """Exact match within the admin's own municipality; never a near miss, never another
    municipality's person."""
    if admin_user.role != Role.ADMIN or not admin_user.municipality_id:
        raise PermissionDenied
    bsn = normalise_bsn(bsn)
    if not bsn:
        return None
    return Participant.objects.for_access_request(admin_user).filter(bsn=bsn).first()


def _json_value(value):
    if isinstance(value, datetime.date):  # datetime is a date too
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, declaration):
    """Every stored field of a row, so that nothing stored is left out of the export.
    Choice fields get their label beside the code; relations give their id, and a label
    only when the related row was fetched with select_related (no query per row)."""
    row = {}
    for field in obj._meta.concrete_fields:
        if field.is_relation:
            row[field.attname] = getattr(obj, field.attname)
            if field.is_cached(obj):
                related = getattr(obj, field.name)
                row[f"{field.name}_display"] = str(related) if related is not None else ""
            continue
        value = getattr(obj, field.attname)
        row[field.name] = _json_value(value)
        if field.choices and value not in (None, ""):
            row[f"{field.name}_display"] = str(dict(field.flatchoices).get(value, value))
    for name, method in declaration.displays.items():
        row[f"{name}_display"] = [str(label) for label in getattr(obj, method)()]
    return row


def _section_rows(declaration, participant):
    rows = declaration.rows_of(participant)
    if declaration.select_related:
        rows = rows.select_related(*declaration.select_related)
    return [_row(obj, declaration) for obj in rows.order_by(*declaration.order_by)]


def subject_access_data(admin_user, participant):
    """Everything stored about one participant, for the admin who answers their access
    request: one section per model declared in an app's personal_data.py, however far the
    model is from the participant (answers through their invitation, bookings through
    their commitment). The BSN is in full: it is the person's own data. The number of
    queries is fixed (one per declared model), whatever the size of the file."""
    _require_admin_of(admin_user, participant)
    participant = Participant.objects.select_related("municipality").get(
        pk=participant.pk, municipality_id=admin_user.municipality_id
    )
    data = {
        "format": FORMAT,
        "generated_at": _json_value(timezone.now()),
        "generated_by": admin_user.email,
        "municipality": {
            "id": participant.municipality_id,
            "name": participant.municipality.name,
            "cbs_code": participant.municipality.cbs_code,
        },
    }
    for declaration in privacy_declarations.holdings():
        rows = _section_rows(declaration, participant)
        data[declaration.section] = (rows[0] if rows else None) if declaration.single else rows
    return data


def _section_size(value):
    if value is None:
        return 0
    return 1 if isinstance(value, dict) else len(value)


def subject_access_summary(data):
    """What the admin checks before handing the files over: how much of each kind."""
    return [
        (str(declaration.label), _section_size(data.get(declaration.section)))
        for declaration in privacy_declarations.holdings()
        if declaration.section != "participant"
    ]


def _display_value(row, field):
    """What the PDF shows for one field of a JSON row: the label where there is one."""
    value = row.get(f"{field.name}_display", row.get(field.attname))
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return value


def pdf_sections(data):
    """The sections of the PDF, each a heading and its records, each record a list of
    (label, value): built from the same declarations as the JSON, so the two agree."""
    sections = []
    for declaration in privacy_declarations.holdings():
        value = data.get(declaration.section)
        rows = [value] if isinstance(value, dict) else list(value or [])
        fields = declaration.get_model()._meta.concrete_fields
        sections.append(
            {
                "key": declaration.section,
                "label": declaration.label,
                "records": [
                    [(capfirst(f.verbose_name), _display_value(row, f)) for f in fields]
                    for row in rows
                ],
            }
        )
    return sections


_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


def _for_display(value):
    """The JSON carries ISO strings; the PDF shows dates the way a reader expects them."""
    if isinstance(value, dict):
        return {key: _for_display(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_for_display(item) for item in value]
    if isinstance(value, str):
        if _ISO_DATE.match(value):
            return datetime.date.fromisoformat(value)
        if _ISO_DATETIME.match(value):
            try:
                return timezone.localtime(datetime.datetime.fromisoformat(value))
            except ValueError:  # a free text that merely starts like a timestamp
                return value
    return value


def subject_access_pdf(data, municipality):
    """The same data as the JSON, as an accessible (PDF/UA) document."""
    # The colour goes into CSS: only a plain hex value may.
    # Headings are set in this colour on white paper: theme keeps them readable.
    colour = text_colour_on_white(municipality.colour)
    return pdf.render_template_pdf(
        "participants/privacy/subject_access_pdf.html",
        {
            "participant_number": data["participant"]["id"],
            "sections": pdf_sections(_for_display(data)),
            "municipality": municipality,
            "colour": colour,
            "today": timezone.localdate(),
        },
    )


# --- Retention ---------------------------------------------------------------------------


class AddMonths(Func):
    """date + n calendar months, in SQL, clamped to the month's last day like dateutil's
    relativedelta that schedules the follow-ups (31 Aug 2019 + 18 months = 28 Feb 2021)."""

    output_field = models.DateField()
    arity = 1

    def __init__(self, expression, months, **extra):
        self.months = int(months)
        super().__init__(expression, **extra)

    def as_sql(self, compiler, connection, **extra_context):
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return f"(({sql}) + make_interval(months => %s))::date", (*params, self.months)

    def as_sqlite(self, compiler, connection, **extra_context):
        # SQLite rolls 31 Sep over into 1 Oct; the last day of the target month caps it.
        sql, params = compiler.compile(self.get_source_expressions()[0])
        return (
            f"min(date({sql}, %s), date({sql}, 'start of month', %s, '-1 day'))",
            (*params, f"+{self.months} months", *params, f"+{self.months + 1} months"),
        )


def _greatest(a, b):
    # Greatest() ignores NULLs on PostgreSQL but returns NULL on SQLite; coalescing each
    # side with the other gives "the later of the two, or whichever exists" on both.
    return Greatest(Coalesce(a, b), Coalesce(b, a))


def with_programme_end(queryset):
    """Annotates `programme_ended_on`: the later of the programme's end and the last
    follow-up of the participant's latest group; the enrolment date if neither exists."""
    latest_cohort_end = Subquery(
        Enrolment.objects.filter(participant=OuterRef("pk"))
        .values("participant")
        .annotate(latest=Max("cohort__end_date"))
        .values("latest"),
        output_field=models.DateField(),
    )
    return queryset.annotate(
        programme_ended_on=Coalesce(
            _greatest(
                models.F("programme__end_date"), AddMonths(latest_cohort_end, FOLLOW_UP_MONTHS)
            ),
            models.F("enrolled_on"),
            output_field=models.DateField(),
        )
    )


def retention_cutoff(municipality, on_date):
    """A programme that ended before this date ended more than the retention period ago."""
    return on_date - relativedelta(years=municipality.retention_years)


def anonymisation_due(municipality, on_date):
    """Participants of the municipality, not yet anonymised, whose programme ended more
    than `retention_years` years before `on_date`."""
    return (
        with_programme_end(
            Participant.objects.filter(municipality=municipality, anonymised_at__isnull=True)
        )
        .filter(programme_ended_on__lt=retention_cutoff(municipality, on_date))
        .order_by("programme_ended_on", "pk")
    )


def anonymisation_date(municipality, programme_ended_on):
    """The first day on which the participant counts as due; None when that lies beyond the
    last date there is (an old programme saved with 9999-12-31 as "no end")."""
    return day_after(add_months(programme_ended_on, 12 * municipality.retention_years))


def _blank_values(declaration, participant):
    return {
        name: value(participant) if callable(value) else value
        for name, value in declaration.blank.items()
    }


def anonymise(participant, when):
    """Does what each app's personal_data.py declares: blanks what identifies the person,
    every free text about them, and deletes what is about them only. Everything the outcome
    figures count (status, target group, benefit type, follow-ups, groups, attendance,
    amounts, stages, numeric and chosen answers) stays, so the figures are the same before
    and after. Returns whether anything was done: an anonymised participant is skipped, so
    a rerun is harmless."""
    with transaction.atomic():
        # The lock makes two runs at the same time anonymise (and log) only once.
        current = Participant.objects.select_for_update().get(pk=participant.pk)
        if current.anonymised_at is not None:
            return False
        changed = {}
        # Every path ends in the participant's number, which stays: blanking one model
        # never puts another's rows out of reach.
        for declaration in privacy_declarations.holdings():
            rows = declaration.rows_of(current)
            if declaration.delete:
                rows.delete()
            elif declaration.blank:
                values = _blank_values(declaration, current)
                if declaration.get_model() is Participant:
                    # update(), not save(): target_group must stay as derived from the
                    # real birth date.
                    values["anonymised_at"] = when
                    changed = values
                rows.update(**values)
        audit.record(
            None,
            AuditAction.ANONYMISE,
            obj=current,
            participant_id=current.pk,
            municipality_id=current.municipality_id,
            detail="retention period ended",
            purpose=RETENTION_PURPOSE,
        )
    for name, value in changed.items():
        setattr(participant, name, value)
    return True


def anonymise_due_participants(on_date=None):
    """The nightly retention run over every municipality. Each participant is its own
    transaction, so an interrupted run keeps what it did and the next run does the rest."""
    on_date = on_date or timezone.localdate()
    when = timezone.now()
    count = 0
    for municipality in Municipality.objects.order_by("pk"):
        for participant in list(anonymisation_due(municipality, on_date).only("pk")):
            count += anonymise(participant, when)
    return count
