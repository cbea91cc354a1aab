"""Privacy duties towards participants: the data-subject access request (inzageverzoek,
AVG article 15) and anonymisation when the retention period has passed.

Both work on one participant at a time and filter every query on that participant: an
export that leaks a single row of someone else is a data breach."""

import datetime
import re
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.db.models import Func, Max, OuterRef, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from consultants.models import CoachingSession
from employers.models import Match, Placement
from evaluation.models import Invitation
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry, FieldChange, Municipality
from vakwerk.roles import Role

from .models import (
    Attendance,
    Enrolment,
    Intake,
    LadderRung,
    OutcomeMeasurement,
    Participant,
    StatusChange,
    TalentProfile,
)
from .validators import normalise_bsn

FORMAT = "vakwerk-subject-access/1"
SUBJECT_ACCESS_PURPOSE = "inzageverzoek"
RETENTION_PURPOSE = "bewaartermijn"
# The last follow-up is measured 18 months after the group ended; until then the record
# is still in use, so the retention period only starts counting after it.
FOLLOW_UP_MONTHS = 18
ANONYMISED_FIRST_NAME = "Geanonimiseerd"
INTAKE_FREE_TEXT = ("passion_inventory", "knowledge", "skills", "behaviour", "notes")


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


def _row(obj, exclude=()):
    """Every stored field of a row, so that nothing stored is left out of the export.
    Choice fields get their label beside the code; relations give their id, and a label
    only when the related row was fetched with select_related (no query per row)."""
    row = {}
    for field in obj._meta.concrete_fields:
        if field.name in exclude:
            continue
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
    return row


def _cohort(cohort):
    return {
        "id": cohort.pk,
        "name": cohort.name,
        "programme": cohort.programme.name,
        "start_date": _json_value(cohort.start_date),
        "end_date": _json_value(cohort.end_date),
    }


def _enrolments(participant):
    enrolments = list(
        Enrolment.objects.filter(participant=participant)
        .select_related("cohort__programme")
        .order_by("enrolled_on", "pk")
    )
    attendance = (
        Attendance.objects.filter(participant=participant)
        .select_related("meeting__cohort__programme")
        .order_by("meeting__held_on", "pk")
    )
    by_cohort = {}
    for enrolment in enrolments:
        by_cohort[enrolment.cohort_id] = {
            "id": enrolment.pk,
            "enrolled_on": _json_value(enrolment.enrolled_on),
            "cohort": _cohort(enrolment.cohort),
            "attendance": [],
        }
    for row in attendance:
        cohort = row.meeting.cohort
        # Attendance can outlive an enrolment that was removed; it is still their data.
        entry = by_cohort.setdefault(
            cohort.pk,
            {"id": None, "enrolled_on": None, "cohort": _cohort(cohort), "attendance": []},
        )
        entry["attendance"].append(
            {
                "meeting_id": row.meeting_id,
                "held_on": _json_value(row.meeting.held_on),
                "topic": row.meeting.topic,
                "present": row.present,
            }
        )
    return list(by_cohort.values())


# Relations of Participant that subject_access_data exports in their own section.
_EXPORTED_RELATIONS = {
    StatusChange,
    Intake,
    LadderRung,
    Enrolment,
    Attendance,
    OutcomeMeasurement,
    TalentProfile,
    CoachingSession,
}


def _other_records(participant):
    """Rows of any other model that points at the participant (matches, and whatever is
    added later), so that a new relation cannot silently be missing from an access
    request. One query per model, so the count stays fixed."""
    other = []
    for relation in Participant._meta.related_objects:
        model = relation.related_model
        if model in _EXPORTED_RELATIONS or relation.many_to_many:
            continue
        rows = model._base_manager.filter(**{relation.field.name: participant}).order_by("pk")
        other.append(
            {
                "record_type": model._meta.label_lower,
                "label": str(model._meta.verbose_name_plural),
                "rows": [_row(row) for row in rows],
            }
        )
    return other


def subject_access_data(admin_user, participant):
    """Everything stored about one participant, for the admin who answers their access
    request. The BSN is in full: it is the person's own data. The number of queries is
    fixed (one per kind of record), whatever the size of the file."""
    _require_admin_of(admin_user, participant)
    participant = Participant.objects.select_related(
        "municipality", "programme", "consultant"
    ).get(pk=participant.pk, municipality_id=admin_user.municipality_id)

    intake = Intake.objects.filter(participant=participant).select_related("held_by").first()
    talent_profile = TalentProfile.objects.filter(participant=participant).first()
    sessions = []
    for session in (
        CoachingSession.objects.filter(participant=participant)
        .select_related("consultant", "meeting")
        .order_by("held_on", "pk")
    ):
        row = _row(session)
        row["themes_display"] = [str(label) for label in session.get_themes_display()]
        sessions.append(row)
    audit_entries = [
        {
            "id": entry.pk,
            "at": _json_value(entry.at),
            "user_email": entry.user_email,
            "role": entry.role,
            "role_display": str(Role(entry.role).label) if entry.role in Role.values else "",
            "action": entry.action,
            "action_display": entry.get_action_display(),
            "object_type": entry.object_type,
            "detail": entry.detail,
            "purpose": entry.purpose,
        }
        for entry in AuditEntry.objects.filter(participant_id=participant.pk).order_by("at", "pk")
    ]
    return {
        "format": FORMAT,
        "generated_at": _json_value(timezone.now()),
        "generated_by": admin_user.email,
        "municipality": {
            "id": participant.municipality_id,
            "name": participant.municipality.name,
            "cbs_code": participant.municipality.cbs_code,
        },
        "participant": _row(participant),
        "status_history": [
            _row(change)
            for change in StatusChange.objects.filter(participant=participant)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        ],
        "intake": _row(intake) if intake else None,
        "participation_ladder": [
            _row(rung)
            for rung in LadderRung.objects.filter(participant=participant)
            .select_related("recorded_by")
            .order_by("recorded_on", "pk")
        ],
        "enrolments": _enrolments(participant),
        "outcome_measurements": [
            _row(outcome)
            for outcome in OutcomeMeasurement.objects.filter(participant=participant)
            .select_related("cohort", "recorded_by")
            .order_by("due_on", "pk")
        ],
        "talent_profile": _row(talent_profile) if talent_profile else None,
        "coaching_sessions": sessions,
        "field_history": [
            _row(change)
            for change in FieldChange.objects.filter(participant_id=participant.pk)
            .select_related("changed_by")
            .order_by("changed_at", "pk")
        ],
        "audit_entries": audit_entries,
        "other_records": _other_records(participant),
    }


def subject_access_summary(data):
    """What the admin checks before handing the files over: how much of each kind."""
    return [
        (_("Status changes"), len(data["status_history"])),
        (_("Intake"), 1 if data["intake"] else 0),
        (_("Participation ladder"), len(data["participation_ladder"])),
        (_("Groups"), len(data["enrolments"])),
        (_("Follow-ups"), len(data["outcome_measurements"])),
        (_("Talent profile"), 1 if data["talent_profile"] else 0),
        (_("Coaching sessions"), len(data["coaching_sessions"])),
        (_("Field history"), len(data["field_history"])),
        (_("Audit entries"), len(data["audit_entries"])),
        (_("Other records"), sum(len(group["rows"]) for group in data["other_records"])),
    ]


_HEX_COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
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
            return timezone.localtime(datetime.datetime.fromisoformat(value))
    return value


def _page_counter_css():
    """CSS `content` for "Page X of Y": the sentence comes from the catalogue, the
    numbers from WeasyPrint's page counters. Quotes and backslashes are dropped so that
    a translation cannot break out of the CSS string."""
    text = _("Page %(page)s of %(pages)s")
    text = text.replace('"', "").replace("\\", "").replace("<", "")
    text = text % {"page": '" counter(page) "', "pages": '" counter(pages) "'}
    return f'"{text}"'


def subject_access_pdf(data, municipality):
    """The same data as the JSON, as an accessible (PDF/UA) document."""
    import weasyprint  # heavy import (Pango); only the PDF paths need it

    # The colour goes into CSS: only a plain hex value may.
    colour = municipality.colour if _HEX_COLOUR.match(municipality.colour or "") else "#01689b"
    html = render_to_string(
        "participants/privacy/subject_access_pdf.html",
        {
            "data": _for_display(data),
            "municipality": municipality,
            "colour": colour,
            "today": timezone.localdate(),
            "page_counter": _page_counter_css(),
        },
    )
    return weasyprint.HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf(
        pdf_variant="pdf/ua-1"
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
    """The first day on which the participant counts as due."""
    return programme_ended_on + relativedelta(years=municipality.retention_years, days=1)


def anonymise(participant, when):
    """Blanks what identifies the person and removes free text about them. Everything
    the outcome figures count (status, target group, benefit type, follow-ups, groups,
    attendance) stays, so the figures are the same before and after. Returns whether
    anything was done: an anonymised participant is skipped, so a rerun is harmless."""
    with transaction.atomic():
        # The lock makes two runs at the same time anonymise (and log) only once.
        current = Participant.objects.select_for_update().get(pk=participant.pk)
        if current.anonymised_at is not None:
            return False
        blanked = {
            "bsn": None,
            "first_name": ANONYMISED_FIRST_NAME,
            "last_name": f"#{current.pk}",
            "birth_date": None,
            "postcode": "",
            "monthly_benefit": None,
            "anonymised_at": when,
        }
        # update(), not save(): target_group must stay as derived from the real birth date.
        Participant.objects.filter(pk=current.pk).update(**blanked)
        CoachingSession.objects.filter(participant=current).update(notes="", agreed_actions="")
        Intake.objects.filter(participant=current).update(**dict.fromkeys(INTAKE_FREE_TEXT, ""))
        TalentProfile.objects.filter(participant=current).delete()
        StatusChange.objects.filter(participant=current).update(note="")
        # Rejection reasons and handover notes describe the person too.
        Match.objects.filter(participant=current).update(rejection_reason="")
        Placement.objects.filter(match__participant=current).update(handover="")
        # Questionnaire invitations sent to the person keep no address of theirs.
        Invitation.objects.filter(participant=current).update(email="")
        # The history would otherwise keep the old name, postcode or notes as a copy.
        FieldChange.objects.filter(participant_id=current.pk).update(old_value="", new_value="")
        audit.record(
            None,
            AuditAction.ANONYMISE,
            obj=current,
            participant_id=current.pk,
            municipality_id=current.municipality_id,
            detail="retention period ended",
            purpose=RETENTION_PURPOSE,
        )
    for name, value in blanked.items():
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
