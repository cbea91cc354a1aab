"""Writes on participants, each taking the acting user. Views, imports and tasks call
these; none of them saves a participant model directly."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.bsn import normalise_bsn
from vakwerk.fields import add_months
from vakwerk.models import FieldChange
from vakwerk.roles import Role

from .models import (
    STATUS_TRANSITIONS,
    TRAINING_FIGURES,
    Attendance,
    Certificate,
    Cohort,
    CohortMeeting,
    Enrolment,
    FollowUp,
    Intake,
    LadderMoment,
    LadderRung,
    NetworkMeasurement,
    OutcomeMeasurement,
    Participant,
    Status,
    StatusChange,
    TalentProfile,
    Training,
    Weekday,
)

EDITOR_ROLES = (Role.CONSULTANT, Role.MANAGER)
MEETINGS_OUTSIDE_PERIOD = gettext_lazy(
    "This group has meetings outside these dates: move or remove them first."
)


def _require_editor(user, participant=None):
    if user.role not in EDITOR_ROLES or not user.municipality_id:
        raise PermissionDenied
    if participant is not None and participant.municipality_id != user.municipality_id:
        raise PermissionDenied


@transaction.atomic
def register_participant(user, **fields):
    """Creates a participant in the user's municipality, with the first status entry."""
    _require_editor(user)
    fields["bsn"] = normalise_bsn(fields.get("bsn", ""))
    participant = Participant(municipality_id=user.municipality_id, **fields)
    if participant.consultant_id is None and user.role == Role.CONSULTANT:
        participant.consultant = user
    participant.full_clean()
    participant.save()
    StatusChange.objects.create(
        participant=participant,
        from_status="",
        to_status=participant.status,
        changed_at=timezone.now(),
        changed_by=user,
    )
    audit.record(user, AuditAction.CREATE, obj=participant, participant_id=participant.pk)
    return participant


@transaction.atomic
def update_participant(user, participant, **fields):
    _require_editor(user, participant)
    if "bsn" in fields:
        fields["bsn"] = normalise_bsn(fields["bsn"])
    before = audit.snapshot(participant, fields)
    for name, value in fields.items():
        setattr(participant, name, value)
    participant.full_clean()
    participant.save()
    changed = audit.record_field_changes(user, participant, before, participant.pk)
    if changed:
        audit.record(
            user,
            AuditAction.UPDATE,
            obj=participant,
            participant_id=participant.pk,
            detail=", ".join(change.field for change in changed)[:100],
        )
    return participant


@transaction.atomic
def change_status(user, participant, new_status, note="", when=None):
    _require_editor(user, participant)
    return _record_status(user, participant, new_status, note, when)


def _record_status(user, participant, new_status, note="", when=None):
    # Lock the row: two people moving the same person at once must not both pass.
    current = Participant.objects.select_for_update().get(pk=participant.pk)
    if new_status not in STATUS_TRANSITIONS[Status(current.status)]:
        raise ValidationError(
            _("A participant with status “%(from)s” cannot move to “%(to)s”.")
            % {"from": Status(current.status).label, "to": Status(new_status).label},
            code="invalid_transition",
        )
    if new_status == Status.SELECTED:
        refusal = selection_refusal(current)
        if refusal:
            raise ValidationError(refusal, code="selection_without_intake")
    change = StatusChange.objects.create(
        participant=current,
        from_status=current.status,
        to_status=new_status,
        changed_at=when or timezone.now(),
        changed_by=user,
        note=note,
    )
    Participant.objects.filter(pk=current.pk).update(status=new_status)
    participant.status = new_status
    audit.record(user, AuditAction.UPDATE, obj=current, participant_id=current.pk, detail="status")
    return change


def selection_refusal(participant):
    """Why a participant cannot be selected yet, or None. Selection is on development
    potential (the plan of approach's criterion), so it needs a recorded intake with the
    potential and the consultant's motivation."""
    intake = Intake.objects.filter(participant_id=participant.pk).first()
    if intake is None or not intake.development_potential:
        return _(
            "Record the intake with the development potential before selecting this participant."
        )
    if not intake.selection_motivation.strip():
        return _("Write your motivation for selecting this participant in the intake first.")
    return None


@transaction.atomic
def advance_for_match(user, participant, target, note=""):
    """A match moves the participant on (introduced: matched; hired: placed). The match
    is the authority here, so an employer's hiring decision counts; steps already taken
    are skipped, and a status that cannot get there is left alone."""
    if participant.municipality_id != user.municipality_id:
        raise PermissionDenied
    path = [Status.MATCHED] if target == Status.MATCHED else [Status.MATCHED, Status.PLACED]
    for step in path:
        current = Participant.objects.get(pk=participant.pk).status
        if step in STATUS_TRANSITIONS[Status(current)]:
            _record_status(user, participant, step, note)


@transaction.atomic
def record_intake(user, participant, *, rung, **fields):
    _require_editor(user, participant)
    intake, _created = Intake.objects.update_or_create(
        participant=participant, defaults={**fields, "held_by": user}
    )
    LadderRung.objects.update_or_create(
        participant=participant,
        moment=LadderMoment.INTAKE,
        defaults={"recorded_on": intake.held_on, "rung": rung, "recorded_by": user},
    )
    audit.record(
        user, AuditAction.UPDATE, obj=intake, participant_id=participant.pk, detail="intake"
    )
    return intake


def record_ladder_rung(user, participant, *, rung, recorded_on, moment=LadderMoment.FOLLOW_UP):
    _require_editor(user, participant)
    return LadderRung.objects.create(
        participant=participant,
        rung=rung,
        recorded_on=recorded_on,
        moment=moment,
        recorded_by=user,
    )


def follow_up_due_date(cohort_end, months):
    # Safe at the last date there is: an old "no end" of 9999-12-31 must not break enrolment.
    return add_months(cohort_end, months)


def schedule_follow_ups(participant, cohort):
    """The four follow-ups of one group member, due counted from the group's end."""
    return OutcomeMeasurement.objects.bulk_create(
        OutcomeMeasurement(
            participant=participant,
            cohort=cohort,
            follow_up=months,
            due_on=follow_up_due_date(cohort.end_date, months),
        )
        for months in FollowUp.values
    )


@transaction.atomic
def create_cohort(user, *, programme, trainers=(), **fields):
    if user.role != Role.MANAGER and user.role != Role.CONSULTANT:
        raise PermissionDenied
    if programme.municipality_id != user.municipality_id:
        raise PermissionDenied
    cohort = Cohort(programme=programme, **fields)
    cohort.full_clean()
    cohort.save()
    cohort.trainers.set(trainers)
    return cohort


def _require_leader(user, cohort):
    _require_editor(user)
    if not Cohort.objects.led_by(user).filter(pk=cohort.pk).exists():
        raise PermissionDenied


@transaction.atomic
def update_cohort(user, cohort, *, trainers=None, **fields):
    _require_leader(user, cohort)
    for name, value in fields.items():
        setattr(cohort, name, value)
    cohort.full_clean()
    if cohort.meetings_outside(cohort.start_date, cohort.end_date).exists():
        raise ValidationError(MEETINGS_OUTSIDE_PERIOD, code="meetings_outside_period")
    cohort.save()
    if trainers is not None:
        cohort.trainers.set(trainers)
    # The follow-ups not yet done move with the group's end date: one UPDATE per kind.
    for months in FollowUp.values:
        cohort.outcomes.pending().filter(follow_up=months).update(
            due_on=follow_up_due_date(cohort.end_date, months)
        )
    return cohort


def add_meeting(user, cohort, **fields):
    _require_leader(user, cohort)
    meeting = CohortMeeting(cohort=cohort, **fields)
    meeting.full_clean()
    meeting.save()
    return meeting


@transaction.atomic
def enrol(user, cohort, participant, enrolled_on=None):
    """Adds a participant to a group and schedules their four follow-ups. Refused past
    the group's capacity; the lock makes two simultaneous enrolments count correctly."""
    _require_editor(user, participant)
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    if cohort.programme.municipality_id != participant.municipality_id:
        raise PermissionDenied
    if Enrolment.objects.filter(cohort=cohort, participant=participant).exists():
        raise ValidationError(
            _("%(name)s is already in this group.") % {"name": participant}, code="enrolled"
        )
    if cohort.enrolments.count() >= cohort.capacity:
        raise ValidationError(
            _("Group “%(group)s” is full: it has room for %(capacity)s participants.")
            % {"group": cohort.name, "capacity": cohort.capacity},
            code="cohort_full",
        )
    enrolment = Enrolment.objects.create(
        cohort=cohort, participant=participant, enrolled_on=enrolled_on or datetime.date.today()
    )
    schedule_follow_ups(participant, cohort)
    return enrolment


@transaction.atomic
def record_attendance(user, meeting, present_ids):
    """Attendance of the whole group in one go: everyone enrolled is present or absent."""
    _require_leader(user, meeting.cohort)
    present_ids = {int(pk) for pk in present_ids}
    enrolled = list(meeting.cohort.enrolments.values_list("participant_id", flat=True))
    Attendance.objects.filter(meeting=meeting).delete()
    Attendance.objects.bulk_create(
        Attendance(meeting=meeting, participant_id=pk, present=pk in present_ids)
        for pk in enrolled
    )
    return len(present_ids & set(enrolled))


@transaction.atomic
def record_outcome(user, outcome, **fields):
    _require_editor(user, outcome.participant)
    before = audit.snapshot(outcome, fields)
    for name, value in fields.items():
        setattr(outcome, name, value)
    if outcome.benefit_status != "none":
        outcome.benefit_end_reason = ""
    elif not outcome.benefit_end_reason:
        raise ValidationError({"benefit_end_reason": _("Say why the benefit ended.")})
    outcome.recorded_by = user
    outcome.full_clean()
    outcome.save()
    audit.record_field_changes(user, outcome, before, outcome.participant_id)
    audit.record(
        user, AuditAction.UPDATE, obj=outcome, participant_id=outcome.participant_id,
        detail="follow-up",
    )  # fmt: skip
    return outcome


def _shown_list(field, value):
    """A profile list as the timeline shows it: labels, not codes."""
    if field == "certificate_dates":
        labels = dict(Certificate.choices)
        return ", ".join(
            f"{labels.get(code, code)}: {date_format(datetime.date.fromisoformat(day))}"
            for code, day in (value or {}).items()
        )
    labels = dict(Certificate.choices if field == "certificates" else Weekday.choices)
    return ", ".join(str(labels.get(code, code)) for code in value or [])


def _finish_history(changes, before, profile, when=None):
    """The field history writes a list field as Python does ("['vca']"); the timeline
    reads it, so the three list fields get their labels. `when` dates the changes (the
    demo's profiles were written at their intake, not on the day the demo was seeded)."""
    lists = [c for c in changes if c.field in ("certificates", "certificate_dates",
                                                "days_available")]  # fmt: skip
    for change in lists:
        change.old_value = _shown_list(change.field, before[change.field])
        change.new_value = _shown_list(change.field, getattr(profile, change.field))
    if when is not None:
        for change in changes:
            change.changed_at = when
        FieldChange.objects.bulk_update(changes, ["old_value", "new_value", "changed_at"])
    elif lists:
        FieldChange.objects.bulk_update(lists, ["old_value", "new_value"])


TALENT_PROFILE_FIELDS = (
    "skills",
    "certificates",
    "certificate_dates",
    "hours_available",
    "days_available",
    "availability",
    "education",
    "experience",
    "passions",
    "summary",
)


@transaction.atomic
def save_talent_profile(user, participant, *, when=None, **fields):
    """Creates or updates the participant's talent profile, which the matching, the
    employer's candidate page and the profile PDF read. Each changed field goes into the
    field history (dated `when`, now by default), and one audit entry says which fields
    changed."""
    _require_editor(user, participant)
    unknown = set(fields) - set(TALENT_PROFILE_FIELDS)
    if unknown:
        raise TypeError(f"not talent-profile fields: {sorted(unknown)}")
    # Lock the participant: two first saves at once must not both create a profile.
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    profile = TalentProfile.objects.filter(participant=participant).first()
    created = profile is None
    if created:
        profile = TalentProfile(participant=participant)
    if "certificates" in fields:
        # A date only for a certificate held: dropping one drops its date too.
        held = list(dict.fromkeys(fields["certificates"]))
        fields["certificates"] = held
        dates = fields.get("certificate_dates", profile.certificate_dates) or {}
        fields["certificate_dates"] = {code: str(dates[code]) for code in held if dates.get(code)}
    # A new profile's snapshot holds the empty defaults: every filled field is history.
    before = audit.snapshot(profile, fields)
    for name, value in fields.items():
        setattr(profile, name, value)
    profile.full_clean()
    profile.save()
    changed = audit.record_field_changes(user, profile, before, participant.pk)
    _finish_history(changed, before, profile, when)
    if changed or created:
        audit.record(
            user,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=profile,
            participant_id=participant.pk,
            detail=("talent profile: " + ", ".join(c.field for c in changed))[:100],
        )
    participant.talent_profile = profile
    return profile


NETWORK_FIELDS = ("measured_on", "work_contacts", "employer_contacts", "self_rating")


@transaction.atomic
def record_network_measurement(user, participant, *, moment, **fields):
    """Records the network instrument of `moment` (intake or a follow-up), or corrects
    it: there is one measurement per participant and moment, so saving a moment again
    edits it. The consultant asks the questions, so only consultants of the municipality
    write; managers read the figures. Corrections go into the field history, and every
    write into the audit trail."""
    if user.role != Role.CONSULTANT or participant.municipality_id != user.municipality_id:
        raise PermissionDenied
    unknown = set(fields) - set(NETWORK_FIELDS)
    if unknown:
        raise TypeError(f"not network-measurement fields: {sorted(unknown)}")
    # Lock the participant: two first saves of one moment at once must not both insert
    # (the unique constraint would refuse the second with an error instead of an edit).
    Participant.objects.select_for_update().filter(pk=participant.pk).first()
    measurement = NetworkMeasurement.objects.filter(participant=participant, moment=moment).first()
    created = measurement is None
    if created:
        measurement = NetworkMeasurement(participant=participant, moment=moment)
    before = audit.snapshot(measurement, fields)
    for name, value in fields.items():
        setattr(measurement, name, value)
    measurement.recorded_by = user
    measurement.full_clean()
    measurement.save()
    changed = (
        [] if created else audit.record_field_changes(user, measurement, before, participant.pk)
    )
    if created or changed:
        audit.record(
            user,
            AuditAction.CREATE if created else AuditAction.UPDATE,
            obj=measurement,
            participant_id=participant.pk,
            detail=f"network measurement: {measurement.moment}",
        )
    return measurement


# --- Training (the plan's "vakopleiding") -----------------------------------------------

TRAINING_FIELDS = ("name", "provider", *TRAINING_FIGURES)


def _require_training_writer(user, participant):
    """The consultant records the participant's courses; managers read them."""
    if user.role != Role.CONSULTANT or participant.municipality_id != user.municipality_id:
        raise PermissionDenied


def _training_fields(fields):
    unknown = set(fields) - set(TRAINING_FIELDS)
    if unknown:
        raise TypeError(f"not training fields: {sorted(unknown)}")
    fields = dict(fields)
    # A certificate is dated: without a date of its own, the day the training ended. The
    # matching counts it from then on (selectors.held_certificates).
    if fields.get("certificate") and not fields.get("certificate_on"):
        fields["certificate_on"] = fields.get("end_date")
    if "certificate" in fields and not fields["certificate"]:
        fields["certificate_on"] = None
    return fields


@transaction.atomic
def add_training(user, participant, **fields):
    """Records a course or vocational training of the participant. A completed one with a
    certificate counts as that certificate for the matching from now on."""
    _require_training_writer(user, participant)
    training = Training(participant=participant, recorded_by=user, **_training_fields(fields))
    training.full_clean()
    training.save()
    audit.record(
        user,
        AuditAction.CREATE,
        obj=training,
        participant_id=participant.pk,
        detail=f"training: {training.kind}, {training.result}"[:100],
    )
    return training


@transaction.atomic
def update_training(user, training, **fields):
    """Corrects a training or records its progress (in progress, completed, stopped).
    Each changed field goes into the field history, named after the training, so the
    timeline says which course changed."""
    participant = training.participant
    _require_training_writer(user, participant)
    fields = _training_fields(fields)
    before = audit.snapshot(training, fields)
    for name, value in fields.items():
        setattr(training, name, value)
    training.full_clean()
    training.save()
    changed = audit.record_field_changes(user, training, before, participant.pk)
    for change in changed:
        change.field_label = f"{training.name}: {change.field_label}"[:100]
    if changed:
        FieldChange.objects.bulk_update(changed, ["field_label"])
        audit.record(
            user,
            AuditAction.UPDATE,
            obj=training,
            participant_id=participant.pk,
            detail=("training: " + ", ".join(c.field for c in changed))[:100],
        )
    return training
