"""Writes on funds and the ledger. Every booking that lowers what is available locks the
fund's row first, so two managers approving at the same moment are served one after the
other and the second sees the first one's booking."""

from decimal import Decimal

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from employers.selectors import confirmed_job_intentions
from participants.models import Participant
from vakwerk import audit, formatting
from vakwerk.audit import AuditAction
from vakwerk.roles import Role

from . import personal_data, selectors
from .models import Commitment, CommitmentStatus, EntryKind, Fund, FundKind, LedgerEntry


def _require(user, *roles):
    if user.role not in roles or not user.municipality_id:
        raise PermissionDenied


def _own_fund(user, fund):
    if fund.municipality_id != user.municipality_id:
        raise PermissionDenied


def _locked(fund):
    return Fund.objects.select_for_update().get(pk=fund.pk)


def _check_available(fund, amount):
    available = selectors.balance(fund).available
    if amount > available:
        raise ValidationError(
            _("Not enough available in “%(fund)s”: %(available)s left, %(amount)s asked.")
            % {
                "fund": fund.name,
                "available": formatting.money(available),
                "amount": formatting.money(amount),
            },
            code="insufficient",
        )


def _book(user, fund, kind, amount, description, **extra):
    entry = LedgerEntry(
        fund=fund, kind=kind, amount=amount, booked_by=user, description=description, **extra
    )
    entry.full_clean()
    entry.save()
    return entry


@transaction.atomic
def deposit(user, fund, amount, description):
    _require(user, Role.MANAGER)
    _own_fund(user, fund)
    return _book(user, fund, EntryKind.DEPOSIT, Decimal(amount), description)


@transaction.atomic
def correct(user, entry, amount, description):
    """Undoes (part of) an entry: the correction carries its own sign and counts as the
    kind of the entry it corrects (`models.counts_as`). A correction of a correction
    corrects the original entry, so that every correction names an entry with a kind.

    The correction is booked and the balances are then checked: whether it lowers what
    is available depends on what it corrects (a refund on an expenditure raises it), and
    a refusal rolls the booking back."""
    _require(user, Role.MANAGER)
    _own_fund(user, entry.fund)
    if entry.kind == EntryKind.CORRECTION:
        entry = entry.corrects
    fund = _locked(entry.fund)
    amount = Decimal(amount)
    before = selectors.balance(fund).available
    commitment_open = (
        selectors.commitment_balance(entry.commitment) if entry.commitment_id else None
    )
    if entry.commitment_id:
        personal_data.refuse_personal_text(description, entry.commitment.participant)
    correction = _book(user, fund, EntryKind.CORRECTION, amount, description, corrects=entry,
                       commitment=entry.commitment)  # fmt: skip
    after = selectors.balance(fund).available
    if after < 0 and after < before:
        raise ValidationError(
            _("Not enough available in “%(fund)s”: %(available)s left, %(amount)s asked.")
            % {
                "fund": fund.name,
                "available": formatting.money(before),
                "amount": formatting.money(before - after),
            },
            code="insufficient",
        )
    open_after = selectors.commitment_balance(entry.commitment) if entry.commitment_id else None
    if open_after is not None and open_after < 0 and open_after < commitment_open:
        raise ValidationError(
            _("This is more than the %(open)s still open on the commitment.")
            % {"open": formatting.money(commitment_open)},
            code="overspend",
        )
    return correction


@transaction.atomic
def book_expenditure(user, fund, amount, description, commitment=None):
    _require(user, Role.MANAGER)
    _own_fund(user, fund)
    fund = _locked(fund)
    amount = Decimal(amount)
    if commitment is not None:
        personal_data.refuse_personal_text(description, commitment.participant)
        if commitment.fund_id != fund.pk or commitment.status != CommitmentStatus.APPROVED:
            raise ValidationError(
                _("Expenditures go against an approved commitment of this fund.")
            )
        open_amount = selectors.commitment_balance(commitment)
        if amount > open_amount:
            raise ValidationError(
                _("This is more than the %(open)s still open on the commitment.")
                % {"open": formatting.money(open_amount)},
                code="overspend",
            )
    else:
        _check_available(fund, amount)
    return _book(user, fund, EntryKind.EXPENDITURE, amount, description, commitment=commitment)


def check_fund_rules(fund, participant, match=None, on_date=None):
    """A fund's period and restrictions, and the seed's rule: a client-level placement
    budget only with a concrete job intention of this participant
    (`employers.selectors.confirmed_job_intentions`). Checked on the request and again on
    the approval: a match rejected in between no longer qualifies."""
    on_date = on_date or timezone.localdate()
    if on_date < fund.starts_on or (fund.ends_on and on_date > fund.ends_on):
        raise ValidationError(
            _("“%(fund)s” cannot be used on %(date)s: outside its period.")
            % {"fund": fund.name, "date": formatting.date(on_date)},
            code="period",
        )
    if fund.target_group and participant.target_group != fund.target_group:
        raise ValidationError(
            _("“%(fund)s” is only for the target group %(group)s.")
            % {"fund": fund.name, "group": fund.get_target_group_display()},
            code="target_group",
        )
    if fund.benefit_type and participant.benefit_type != fund.benefit_type:
        raise ValidationError(
            _("“%(fund)s” is only for participants with %(benefit)s.")
            % {"fund": fund.name, "benefit": fund.get_benefit_type_display()},
            code="benefit_type",
        )
    if fund.kind == FundKind.CLIENT_BUDGET:
        intentions = confirmed_job_intentions(participant, on_date)
        if match is None or not intentions.filter(pk=match.pk).exists():
            raise ValidationError(
                _(
                    "A client-level placement budget needs a concrete job intention for "
                    "%(name)s: confirmed by the WSP and still open, with %(name)s introduced "
                    "to the employer or further; or filled, with %(name)s hired. Link that "
                    "match."
                )
                % {"name": participant},
                code="no_job_intention",
            )


@transaction.atomic
def request_commitment(user, fund, participant, amount, purpose, match=None):
    _require(user, Role.CONSULTANT)
    _own_fund(user, fund)
    if not Participant.objects.for_user(user).filter(pk=participant.pk).exists():
        raise PermissionDenied
    check_fund_rules(fund, participant, match)
    commitment = Commitment(
        fund=fund,
        participant=participant,
        match=match,
        amount=Decimal(amount),
        purpose=purpose,
        requested_by=user,
    )
    commitment.full_clean()
    commitment.save()
    audit.record(user, AuditAction.CREATE, obj=commitment, participant_id=participant.pk,
                 detail="commitment requested")  # fmt: skip
    return commitment


def _decide(user, commitment):
    _require(user, Role.MANAGER)
    _own_fund(user, commitment.fund)
    current = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if current.status != CommitmentStatus.REQUESTED:
        raise ValidationError(
            _("This commitment has been decided on already (%(status)s).")
            % {"status": current.get_status_display()},
            code="decided",
        )
    return current


@transaction.atomic
def approve_commitment(user, commitment):
    fund = _locked(commitment.fund)
    current = _decide(user, commitment)
    check_fund_rules(fund, current.participant, current.match)
    _check_available(fund, current.amount)
    before = audit.snapshot(current, ["status"])
    current.status = CommitmentStatus.APPROVED
    current.decided_by = user
    current.decided_at = timezone.now()
    current.save(update_fields=["status", "decided_by", "decided_at"])
    audit.record_field_changes(user, current, before, current.participant_id)
    _book(user, fund, EntryKind.COMMITMENT, current.amount,
          personal_data.commitment_booking_text(current), commitment=current)  # fmt: skip
    commitment.status = current.status
    return current


@transaction.atomic
def reject_commitment(user, commitment, reason):
    current = _decide(user, commitment)
    if not reason.strip():
        raise ValidationError({"reason": _("Give the reason for the rejection.")})
    before = audit.snapshot(current, ["status"])
    current.status = CommitmentStatus.REJECTED
    current.decided_by = user
    current.decided_at = timezone.now()
    current.rejection_reason = reason.strip()
    current.save(update_fields=["status", "decided_by", "decided_at", "rejection_reason"])
    audit.record_field_changes(user, current, before, current.participant_id)
    return current


@transaction.atomic
def release_rest(user, commitment):
    """Closes a commitment and gives what was not spent back to the fund."""
    _require(user, Role.MANAGER)
    _own_fund(user, commitment.fund)
    fund = _locked(commitment.fund)
    current = Commitment.objects.select_for_update().get(pk=commitment.pk)
    if current.status != CommitmentStatus.APPROVED:
        raise ValidationError(_("Only an approved commitment can be closed."))
    rest = selectors.commitment_balance(current)
    entry = None
    if rest > 0:
        entry = _book(user, fund, EntryKind.RELEASE, rest, _("Unused rest released"),
                      commitment=current)  # fmt: skip
    current.status = CommitmentStatus.CLOSED
    current.save(update_fields=["status"])
    return entry


@transaction.atomic
def book_replenishment(user, fund, amount, calculation):
    """Books a replenishment of a revolving fund from realised savings, naming the
    calculation (with its assumptions) it came from."""
    _require(user, Role.MANAGER)
    _own_fund(user, fund)
    fund = _locked(fund)
    if fund.kind != FundKind.REVOLVING:
        raise ValidationError(_("Only a revolving fund is replenished from savings."))
    amount = Decimal(amount)
    if fund.ceiling is not None:
        current = selectors.balance(fund)
        room = fund.ceiling - (current.allocated - current.spent)
        if amount > room:
            raise ValidationError(
                _("This would take the fund above its ceiling of %(ceiling)s.")
                % {"ceiling": formatting.money(fund.ceiling)},
                code="ceiling",
            )
    return _book(user, fund, EntryKind.REPLENISHMENT, amount,
                 _("Replenishment from realised savings"),
                 savings_calculation=calculation)  # fmt: skip


@transaction.atomic
def create_fund(user, **fields):
    """A manager opens a fund (potje) for their own municipality; its money arrives later
    as deposits, so a new fund starts with nothing available."""
    _require(user, Role.MANAGER)
    programme = fields.get("programme")
    if programme is not None and programme.municipality_id != user.municipality_id:
        raise PermissionDenied
    fund = Fund(municipality_id=user.municipality_id, **fields)
    if fund.ends_on and fund.starts_on and fund.ends_on < fund.starts_on:
        raise ValidationError({"ends_on": _("The period cannot end before it starts.")})
    if fund.ceiling is not None and fund.kind != FundKind.REVOLVING:
        # Only replenishment from savings looks at the ceiling, and only a revolving
        # fund is replenished: a ceiling elsewhere would promise a limit nobody checks.
        raise ValidationError({"ceiling": _("Only a revolving fund has a ceiling.")})
    fund.full_clean()
    fund.save()
    audit.record(user, AuditAction.CREATE, obj=fund, detail="fund created")
    return fund
