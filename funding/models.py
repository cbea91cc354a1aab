import datetime
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Case, F, Q, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import BenefitType, Participant, TargetGroup
from vakwerk.choice_labels import ChoiceLabels
from vakwerk.roles import Role

MONEY = {"max_digits": 12, "decimal_places": 2}
POSITIVE = [MinValueValidator(Decimal("0.01"))]


class FundKind(models.TextChoices):
    REVOLVING = "revolving", _("Revolving fund")
    CLIENT_BUDGET = "client_budget", _("Client-level placement budget")
    PILOT = "pilot", _("Pilot budget")
    SOCIAL_IMPACT_BOND = "sib", _("Social impact bond")
    SUBSIDY = "subsidy", _("Subsidy")


class FundQuerySet(models.QuerySet):
    def for_user(self, user):
        """Funds are the municipality's: managers, admins and consultants (who request
        commitments) see them; employers, the WSP and researchers do not."""
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN, Role.CONSULTANT):
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class Fund(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="funds",
    )
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="funds",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=FundKind.choices)
    starts_on = models.DateField(_("period from"))
    ends_on = models.DateField(_("period until"), null=True, blank=True)
    ceiling = models.DecimalField(
        _("ceiling"),
        **MONEY,
        null=True,
        blank=True,
        help_text=_("For a revolving fund: the most it may hold after replenishment."),
    )
    target_group = models.CharField(
        _("only for target group"), max_length=10, choices=TargetGroup.choices, blank=True
    )
    benefit_type = models.CharField(
        _("only for benefit"), max_length=20, choices=BenefitType.choices, blank=True
    )

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("fund")
        verbose_name_plural = _("funds")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unique_fund_name")
        ]

    def __str__(self):
        return self.name


class SocialImpactBond(models.Model):
    fund = models.OneToOneField(Fund, on_delete=models.CASCADE, related_name="bond")
    investor = models.CharField(_("investor"), max_length=200)
    principal = models.DecimalField(_("principal"), **MONEY, validators=POSITIVE)
    agreed_return = models.DecimalField(
        _("agreed return (%)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    outcome_payment = models.DecimalField(
        _("payment per sustainable outflow"), **MONEY, validators=POSITIVE
    )

    class Meta:
        verbose_name = _("social impact bond")
        verbose_name_plural = _("social impact bonds")

    def __str__(self):
        return f"{self.fund} ({self.investor})"


class EntryKind(models.TextChoices):
    DEPOSIT = "deposit", _("Deposit")
    COMMITMENT = "commitment", _("Commitment")
    EXPENDITURE = "expenditure", _("Expenditure")
    RELEASE = "release", _("Release")
    REPLENISHMENT = "replenishment", _("Replenishment from savings")
    CORRECTION = "correction", _("Correction")


def counts_as(kind, prefix=""):
    """The one definition of which bucket an entry falls in: its own kind, or for a
    correction the kind of the entry it corrects (correcting an expenditure changes what
    was spent, correcting a deposit what was allocated). `prefix` is the path to the
    entry, e.g. "entries__" from a fund. Balances, programme cost, savings and the
    replenishment proposal all filter with this."""
    return Q(**{f"{prefix}kind": kind}) | Q(
        **{f"{prefix}kind": EntryKind.CORRECTION, f"{prefix}corrects__kind": kind}
    )


def effective_kind(prefix=""):
    """`counts_as` as a value: the kind an entry counts as, for lists and exports."""
    return Case(
        When(**{f"{prefix}kind": EntryKind.CORRECTION}, then=F(f"{prefix}corrects__kind")),
        default=F(f"{prefix}kind"),
        output_field=models.CharField(max_length=20),
    )


def booked_by_end_of(on_date, prefix=""):
    """Entries booked on or before the end of `on_date` in the project's time zone
    (Europe/Amsterdam): what "as of that date" means for every sum of the ledger."""
    if on_date is None:
        return Q()
    next_day = datetime.datetime.combine(on_date + datetime.timedelta(days=1), datetime.time())
    return Q(**{f"{prefix}booked_at__lt": timezone.make_aware(next_day)})


class LedgerEntryQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(fund__municipality_id=user.municipality_id)
        return self.none()

    def counting_as(self, kind):
        return self.filter(counts_as(kind))

    def with_effective_kind(self):
        return self.annotate(effective_kind=effective_kind())


class LedgerEntry(ChoiceLabels, models.Model):
    """Append-only: the database refuses UPDATE and DELETE (migration 0002). A mistake is
    undone with a correction entry. Amounts are positive except corrections, which carry
    their own sign."""

    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="entries"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(_("amount"), **MONEY)
    booked_at = models.DateTimeField(_("booked at"), default=timezone.now)
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("booked by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    description = models.CharField(_("description"), max_length=300)
    commitment = models.ForeignKey(
        "Commitment",
        verbose_name=_("commitment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entries",
    )
    corrects = models.ForeignKey(
        "self",
        verbose_name=_("corrects"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
    )
    savings_calculation = models.JSONField(
        _("savings calculation"),
        null=True,
        blank=True,
        help_text=_("For a replenishment: the calculation and assumptions it came from."),
    )

    objects = LedgerEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger")
        ordering = ["-booked_at", "-pk"]
        indexes = [
            models.Index(fields=["fund", "kind"]),
            # The ledger page reads newest first from a (booked_at, id) position.
            models.Index(fields=["fund", "-booked_at", "-id"], name="ledger_fund_booked_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="correction") | Q(amount__gt=0),
                name="ledger_amount_positive_except_corrections",
            ),
            # A correction counts as the kind of the entry it corrects (`counts_as`), so
            # it must name one; no other entry corrects anything.
            models.CheckConstraint(
                condition=Q(kind="correction", corrects__isnull=False)
                | (~Q(kind="correction") & Q(corrects__isnull=True)),
                name="ledger_correction_names_its_entry",
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} {self.amount}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Ledger entries are append-only; book a correction instead.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Ledger entries are append-only; book a correction instead.")

    @property
    def counts_as_kind(self):
        """The kind this entry counts as (`counts_as`), from the `effective_kind`
        annotation when the queryset has it."""
        kind = getattr(self, "effective_kind", None)
        if kind is None and self.kind == EntryKind.CORRECTION and self.corrects_id:
            kind = self.corrects.kind
        return kind or self.kind

    def get_counts_as_display(self):
        return EntryKind(self.counts_as_kind).label


class CommitmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    CLOSED = "closed", _("Closed")


class CommitmentQuerySet(models.QuerySet):
    def for_user(self, user):
        """Consultants see the commitments of participants they may see; managers and
        admins their municipality's."""
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.CONSULTANT:
            return self.filter(participant__in=Participant.objects.for_user(user))
        if user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(fund__municipality_id=user.municipality_id)
        return self.none()


class Commitment(ChoiceLabels, models.Model):
    fund = models.ForeignKey(
        Fund, verbose_name=_("fund"), on_delete=models.PROTECT, related_name="commitments"
    )
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.PROTECT,
        related_name="commitments",
    )
    match = models.ForeignKey(
        "employers.Match",
        verbose_name=_("job intention"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="commitments",
        help_text=_("Required for a client-level placement budget."),
    )
    purpose = models.CharField(_("purpose"), max_length=300)
    amount = models.DecimalField(_("amount"), **MONEY, validators=POSITIVE)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=CommitmentStatus.choices,
        default=CommitmentStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejection"), max_length=300, blank=True)

    objects = CommitmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ["-requested_at", "-pk"]
        indexes = [models.Index(fields=["status", "fund"])]

    def __str__(self):
        return f"{self.purpose} ({self.amount})"


class Counterfactual(models.TextChoices):
    REFERENCE_RATE = "reference_rate", _("Reference outflow rate")
    COMPARISON_GROUP = "comparison_group", _("Comparison group of participants")


class SavingsAssumptionsQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(municipality_id=user.municipality_id)
        return self.none()

    def current(self, municipality):
        return self.filter(municipality=municipality).order_by("-version").first()


class SavingsAssumptions(models.Model):
    """One version of a municipality's savings model. Versions are never edited: a change
    is a new version, so every report can name exactly what it assumed."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="savings_assumptions",
    )
    version = models.PositiveIntegerField(_("version"))
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    yearly_cost_bijstand = models.DecimalField(
        _("yearly cost of social assistance per person"), **MONEY, default=Decimal("14783.00")
    )
    # WW is paid by UWV: it saves the municipality nothing unless a user says otherwise.
    yearly_cost_ww = models.DecimalField(
        _("yearly cost of WW to the municipality per person"), **MONEY, default=Decimal("0.00")
    )
    yearly_cost_both = models.DecimalField(
        _("yearly cost for WW and social assistance together"),
        **MONEY,
        default=Decimal("14783.00"),
    )
    remaining_duration_years = models.DecimalField(
        _("assumed remaining benefit duration (years)"),
        max_digits=4,
        decimal_places=2,
        default=Decimal("2.50"),
        validators=[MinValueValidator(Decimal("0.10")), MaxValueValidator(Decimal("40"))],
    )
    sustainable_follow_up = models.PositiveSmallIntegerField(
        _("follow-up that counts as sustainable (months)"),
        default=6,
        choices=[(3, "3"), (6, "6"), (12, "12"), (18, "18")],
    )
    partial_benefit_share = models.DecimalField(
        _("share of the benefit saved when it became partial"),
        max_digits=3,
        decimal_places=2,
        default=Decimal("0.50"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    counterfactual = models.CharField(
        _("counterfactual"),
        max_length=20,
        choices=Counterfactual.choices,
        default=Counterfactual.REFERENCE_RATE,
    )
    reference_outflow_rate = models.DecimalField(
        _("share who would have left benefit anyway"),
        max_digits=4,
        decimal_places=3,
        default=Decimal("0.150"),
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )
    # The manager's switch: the benefit register's measured comparison rate goes before
    # the counterfactual above when the register has one for the programme; off, the
    # counterfactual above is used whatever the register measured.
    use_register_rate = models.BooleanField(
        _("counterfactual measured in the benefit register"),
        default=True,
        help_text=_(
            "Use the matched comparison group's rate from the benefit register when it has "
            "one for the programme. Off: the counterfactual above is always used."
        ),
    )
    note = models.CharField(_("why this version"), max_length=300, blank=True)

    objects = SavingsAssumptionsQuerySet.as_manager()

    class Meta:
        verbose_name = _("savings assumptions")
        verbose_name_plural = _("savings assumptions")
        ordering = ["municipality", "-version"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "version"], name="unique_assumptions_version"
            )
        ]

    def __str__(self):
        return f"{self.municipality} v{self.version}"
