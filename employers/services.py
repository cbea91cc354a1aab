"""Writes on employers, opportunities, matches and placements, each taking the acting user.
State changes go through `_move`, so every refused transition says the same clear thing."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from participants import services as participant_services
from participants.models import Status
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.idempotency import is_unique_violation
from vakwerk.models import User
from vakwerk.roles import Role
from vakwerk.services import Invitation, address_free_for, send_activation_email

from .models import (
    EDITABLE_STATUSES,
    EMPLOYER_STAGES,
    MATCH_TRANSITIONS,
    MUNICIPAL_ROLES,
    OPEN_STATUSES,
    OPPORTUNITY_TRANSITIONS,
    ContactLogEntry,
    Employer,
    EmployerContact,
    EmployerMembership,
    Match,
    MatchStage,
    Opportunity,
    OpportunityStatus,
    Placement,
)


def _require(user, *roles):
    if user.role not in roles or not user.municipality_id:
        raise PermissionDenied


def _own_employer(user, employer):
    if user.role == Role.EMPLOYER:
        if not EmployerMembership.objects.filter(
            user_id=user.pk, employer_id=employer.pk
        ).exists():
            raise PermissionDenied
    elif user.role not in MUNICIPAL_ROLES or employer.municipality_id != user.municipality_id:
        raise PermissionDenied


def _refuse(current, new, labels):
    raise ValidationError(
        _("This cannot go from “%(from)s” to “%(to)s”.")
        % {"from": labels[current], "to": labels[new]},
        code="invalid_transition",
    )


# Employers


@transaction.atomic
def save_employer(user, employer=None, **fields):
    _require(user, Role.WSP, Role.MANAGER)
    employer = employer or Employer(municipality_id=user.municipality_id)
    if employer.municipality_id != user.municipality_id:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(employer, name, value)
    employer.full_clean()
    employer.save()
    return employer


def log_contact(user, employer, **fields):
    _require(user, Role.WSP, Role.MANAGER)
    _own_employer(user, employer)
    entry = ContactLogEntry(employer=employer, logged_by=user, **fields)
    entry.full_clean()
    entry.save()
    return entry


# Opportunities


@transaction.atomic
def save_opportunity(user, employer, opportunity=None, **fields):
    """Employers write their own drafts; the WSP may also enter one for an employer."""
    _require(user, Role.EMPLOYER, Role.WSP)
    _own_employer(user, employer)
    if opportunity is None:
        opportunity = Opportunity(employer=employer, created_by=user)
    elif opportunity.status not in EDITABLE_STATUSES:
        raise ValidationError(
            _("Only a draft or a rejected opportunity can be edited."), code="not_editable"
        )
    for name, value in fields.items():
        setattr(opportunity, name, value)
    if opportunity.valid_until and opportunity.valid_until < timezone.localdate():
        raise ValidationError(
            {"valid_until": _("The valid-until date has passed already.")}, code="past"
        )
    opportunity.full_clean()
    opportunity.save()
    return opportunity


def _move_opportunity(opportunity, new_status):
    current = Opportunity.objects.select_for_update().get(pk=opportunity.pk)
    if new_status not in OPPORTUNITY_TRANSITIONS[OpportunityStatus(current.status)]:
        _refuse(current.status, new_status, dict(OpportunityStatus.choices))
    opportunity.status = new_status
    return current


@transaction.atomic
def submit_opportunity(user, opportunity):
    _require(user, Role.EMPLOYER, Role.WSP)
    _own_employer(user, opportunity.employer)
    _move_opportunity(opportunity, OpportunityStatus.SUBMITTED)
    opportunity.rejection_reason = ""
    opportunity.save(update_fields=["status", "rejection_reason"])
    return opportunity


@transaction.atomic
def confirm_opportunity(user, opportunity):
    _require(user, Role.WSP)
    _own_employer(user, opportunity.employer)
    _move_opportunity(opportunity, OpportunityStatus.CONFIRMED)
    opportunity.confirmed_at = timezone.now()
    opportunity.save(update_fields=["status", "confirmed_at"])
    return opportunity


@transaction.atomic
def reject_opportunity(user, opportunity, reason):
    _require(user, Role.WSP)
    _own_employer(user, opportunity.employer)
    if not reason.strip():
        raise ValidationError(
            {"reason": _("Tell the employer why, so that they can improve it.")}, code="reason"
        )
    _move_opportunity(opportunity, OpportunityStatus.REJECTED)
    opportunity.rejection_reason = reason.strip()
    opportunity.save(update_fields=["status", "rejection_reason"])
    return opportunity


@transaction.atomic
def withdraw_opportunity(user, opportunity):
    _require(user, Role.EMPLOYER, Role.WSP)
    _own_employer(user, opportunity.employer)
    _move_opportunity(opportunity, OpportunityStatus.WITHDRAWN)
    opportunity.save(update_fields=["status"])
    return opportunity


def expire_opportunities(today=None):
    """Daily: opportunities past their valid-until date expire. Safe to run twice."""
    today = today or timezone.localdate()
    return Opportunity.objects.filter(status__in=OPEN_STATUSES, valid_until__lt=today).update(
        status=OpportunityStatus.EXPIRED
    )


# Matches


@transaction.atomic
def propose_match(user, opportunity, participant, score=0):
    _require(user, Role.CONSULTANT, Role.WSP)
    _own_employer(user, opportunity.employer)
    if participant.municipality_id != user.municipality_id:
        raise PermissionDenied
    if opportunity.status != OpportunityStatus.CONFIRMED:
        raise ValidationError(
            _("Candidates can be proposed only for an opportunity the WSP confirmed."),
            code="not_confirmed",
        )
    duplicate = ValidationError(
        _("%(name)s has been proposed for this opportunity already.") % {"name": participant},
        code="duplicate",
    )
    if Match.objects.filter(opportunity=opportunity, participant=participant).exists():
        raise duplicate
    # Two proposals at the same moment both pass the check above; the unique constraint
    # lets one insert win and the other gets the same answer as a late proposal.
    try:
        with transaction.atomic():
            match = Match.objects.create(
                opportunity=opportunity, participant=participant, score=score, proposed_by=user
            )
    except IntegrityError as error:
        if not is_unique_violation(error):
            raise
        raise duplicate from error
    audit.record(user, AuditAction.CREATE, obj=match, participant_id=participant.pk,
                 detail="match")  # fmt: skip
    return match


def _may_move_match(user, match, new_stage):
    if user.role == Role.EMPLOYER:
        if new_stage not in EMPLOYER_STAGES:
            raise PermissionDenied
        _own_employer(user, match.opportunity.employer)
    elif user.role in (Role.CONSULTANT, Role.WSP):
        if match.opportunity.employer.municipality_id != user.municipality_id:
            raise PermissionDenied
    else:
        raise PermissionDenied


@transaction.atomic
def move_match(user, match, new_stage, reason="", placement=None):
    """Moves a match one stage on. Introducing needs the participant's consent; hiring
    needs the placement details and makes the participant 'placed'."""
    _may_move_match(user, match, new_stage)
    current = Match.objects.select_for_update().select_related("participant").get(pk=match.pk)
    if new_stage not in MATCH_TRANSITIONS[MatchStage(current.stage)]:
        _refuse(current.stage, new_stage, dict(MatchStage.choices))
    if new_stage == MatchStage.INTRODUCED and not current.participant.consent_share_profile:
        raise ValidationError(
            _(
                "%(name)s has not consented to sharing the talent profile with employers; "
                "ask for consent first."
            )
            % {"name": current.participant},
            code="no_consent",
        )
    if new_stage == MatchStage.REJECTED and not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")}, code="reason")
    if new_stage == MatchStage.HIRED and not placement:
        raise ValidationError(_("Fill in the start date, contract and hours."), code="placement")
    before = audit.snapshot(match, ["stage"])
    match.stage = new_stage
    match.rejection_reason = reason.strip()
    match.save(update_fields=["stage", "rejection_reason", "updated_at"])
    audit.record_field_changes(user, match, before, match.participant_id)
    audit.record(user, AuditAction.UPDATE, obj=match, participant_id=match.participant_id,
                 detail=f"match {new_stage}")  # fmt: skip
    if new_stage == MatchStage.INTRODUCED:
        participant_services.advance_for_match(
            user, current.participant, Status.MATCHED, note=str(match.opportunity)
        )
    if new_stage == MatchStage.HIRED:
        _place(user, match, placement)
    return match


def _place(user, match, placement):
    Placement.objects.create(match=match, created_by=user, **placement)
    participant_services.advance_for_match(
        user, match.participant, Status.PLACED, note=str(match.opportunity)
    )
    opportunity = match.opportunity
    hired = opportunity.matches.filter(stage=MatchStage.HIRED).count()
    if hired >= opportunity.positions and opportunity.status == OpportunityStatus.CONFIRMED:
        opportunity.status = OpportunityStatus.FILLED
        opportunity.save(update_fields=["status"])


def default_start_date():
    return timezone.localdate() + datetime.timedelta(days=14)


# Contact persons and employer users (added by the portal work)


@transaction.atomic
def save_contact(user, employer, contact=None, **fields):
    _require(user, Role.WSP, Role.MANAGER)
    _own_employer(user, employer)
    contact = contact or EmployerContact(employer=employer)
    if contact.employer_id != employer.pk:
        raise PermissionDenied
    for name, value in fields.items():
        setattr(contact, name, value)
    contact.full_clean()
    contact.save()
    return contact


@transaction.atomic
def delete_contact(user, contact):
    _require(user, Role.WSP, Role.MANAGER)
    _own_employer(user, contact.employer)
    contact.delete()


@transaction.atomic
def attach_employer(user, employer):
    """The one place an employer user is tied to their employer (see EmployerMembership):
    an employer user has exactly one employer, of their own municipality. Called inside the
    transaction that creates the user, so a refused tie leaves no user without employer."""
    if user.role != Role.EMPLOYER:
        raise ValidationError(_("Only employer users belong to an employer."))
    if employer is None:
        raise ValidationError(_("An employer user belongs to an employer."))
    membership = EmployerMembership(user=user, employer=employer)
    membership.full_clean(validate_unique=False)
    membership.save(force_insert=True)
    return membership


# The user and their employer membership stand or fall together.
@transaction.atomic
def invite_employer_user(wsp_user, employer, *, email, first_name, last_name, base_url):
    """The WSP gives a person at one of its employers an account; like every invitation,
    the password is chosen through the activation link, so none travels by mail."""
    _require(wsp_user, Role.WSP)
    _own_employer(wsp_user, employer)
    email = email.strip().lower()
    # An address with an account in another municipality is not revealed (see there).
    if not address_free_for(wsp_user, email):
        return Invitation(email, None)
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=Role.EMPLOYER,
        municipality_id=employer.municipality_id,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    attach_employer(user, employer)
    audit.record(wsp_user, AuditAction.CREATE, obj=user, detail="employer user invited")
    # Mail only once the account exists for certain: a rolled-back invite sends nothing.
    transaction.on_commit(lambda: send_activation_email(user, base_url))
    return Invitation(email, user)
