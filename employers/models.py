from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Certificate, Contract, Participant, TargetGroup
from vakwerk.choice_labels import ChoiceLabels
from vakwerk.roles import Role

kvk_validator = RegexValidator(
    r"^\d{8}$", _("A KvK number has exactly eight digits."), code="invalid_kvk"
)

# Municipal roles that work with employers and their opportunities.
MUNICIPAL_ROLES = frozenset({Role.WSP, Role.MANAGER, Role.CONSULTANT, Role.ADMIN})


class Stage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ENGAGED = "engaged", _("Engaged")
    PARTNER = "partner", _("Partner")


class Size(models.TextChoices):
    MICRO = "micro", _("Fewer than 10 employees")
    SMALL = "small", _("10–49 employees")
    MEDIUM = "medium", _("50–249 employees")
    LARGE = "large", _("250 employees or more")


class EmployerQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.EMPLOYER:
            return self.filter(memberships__user_id=user.pk)
        if user.role in MUNICIPAL_ROLES:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class Employer(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="employers",
    )
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, validators=[kvk_validator])
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    size = models.CharField(_("size"), max_length=10, choices=Size.choices, blank=True)
    stage = models.CharField(
        _("relationship stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECT
    )
    account_manager = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("WSP account manager"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="accounts",
    )

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kvk_number"], name="unique_employer_kvk"
            )
        ]

    def __str__(self):
        return self.name


class EmployerMembership(models.Model):
    """The employer an employer user works for. It lives here, not on the user, because the
    core (vakwerk) knows no domain app. The old database check (role employer ⇒ employer set)
    spanned one table; across two tables PostgreSQL cannot check it, so the guarantee is kept
    by the one service that makes and changes employer users
    (services.invite_employer_user and the user-invite extension in user_invite.py, both
    through `attach_employer`), and by `clean` here: same municipality, one employer only
    (the user is the primary key)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="employer_membership",
    )
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )

    class Meta:
        verbose_name = _("employer membership")
        verbose_name_plural = _("employer memberships")

    def __str__(self):
        return f"{self.user} · {self.employer}"

    def clean(self):
        super().clean()
        if self.user.role != Role.EMPLOYER:
            raise ValidationError({"user": _("Only employer users belong to an employer.")})
        if self.employer.municipality_id != self.user.municipality_id:
            raise ValidationError({"employer": _("The employer belongs to another municipality.")})


class EmployerContact(models.Model):
    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contacts")
    name = models.CharField(_("name"), max_length=200)
    job_title = models.CharField(_("job title"), max_length=100, blank=True)
    email = models.EmailField(_("e-mail address"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)

    class Meta:
        verbose_name = _("contact person")
        verbose_name_plural = _("contact persons")
        ordering = ["name", "pk"]

    def __str__(self):
        return self.name


class ContactKind(models.TextChoices):
    PHONE = "phone", _("Phone call")
    VISIT = "visit", _("Company visit")
    EMAIL = "email", _("E-mail")
    MEETING = "meeting", _("Meeting")


class ContactLogEntry(models.Model):
    """The WSP's log of its contacts with an employer; employers never see it."""

    employer = models.ForeignKey(Employer, on_delete=models.CASCADE, related_name="contact_log")
    held_on = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=ContactKind.choices)
    summary = models.TextField(_("summary"))
    next_step = models.CharField(_("next step"), max_length=200, blank=True)
    logged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("contact log entry")
        verbose_name_plural = _("contact log")
        ordering = ["-held_on", "-pk"]

    def __str__(self):
        return f"{self.employer} · {self.held_on}"


class OpportunityKind(models.TextChoices):
    VACANCY = "vacancy", _("Vacancy")
    LEARNING_PLACE = "learning_place", _("Learning/work place")
    JOB_INTENTION = "job_intention", _("Job intention")


class OpportunityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed by the WSP")
    REJECTED = "rejected", _("Rejected by the WSP")
    FILLED = "filled", _("Filled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


OPPORTUNITY_TRANSITIONS = {
    OpportunityStatus.DRAFT: {OpportunityStatus.SUBMITTED, OpportunityStatus.WITHDRAWN},
    OpportunityStatus.SUBMITTED: {
        OpportunityStatus.CONFIRMED,
        OpportunityStatus.REJECTED,
        OpportunityStatus.WITHDRAWN,
        OpportunityStatus.EXPIRED,
    },
    OpportunityStatus.REJECTED: {OpportunityStatus.SUBMITTED, OpportunityStatus.WITHDRAWN},
    OpportunityStatus.CONFIRMED: {
        OpportunityStatus.FILLED,
        OpportunityStatus.WITHDRAWN,
        OpportunityStatus.EXPIRED,
    },
    OpportunityStatus.FILLED: set(),
    OpportunityStatus.WITHDRAWN: set(),
    OpportunityStatus.EXPIRED: set(),
}
EDITABLE_STATUSES = (OpportunityStatus.DRAFT, OpportunityStatus.REJECTED)
# Statuses whose valid-until date still matters; the daily task expires them.
OPEN_STATUSES = (OpportunityStatus.DRAFT, OpportunityStatus.SUBMITTED, OpportunityStatus.CONFIRMED)


class OpportunityQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.EMPLOYER:
            return self.filter(employer__memberships__user_id=user.pk)
        if user.role in MUNICIPAL_ROLES:
            return self.filter(employer__municipality_id=user.municipality_id)
        return self.none()


class Opportunity(models.Model):
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        on_delete=models.CASCADE,
        related_name="opportunities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OpportunityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    skills_wanted = models.CharField(
        _("skills wanted"),
        max_length=300,
        blank=True,
        help_text=_("Keywords, separated by commas, e.g. customer contact, forklift."),
    )
    positions = models.PositiveSmallIntegerField(
        _("positions"), default=1, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    contract = models.CharField(_("contract"), max_length=20, choices=Contract.choices, blank=True)
    conditions = models.JSONField(_("conditions"), default=list, blank=True)
    target_groups = models.JSONField(_("target groups"), default=list, blank=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.DRAFT,
    )
    rejection_reason = models.TextField(_("reason for rejection"), blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-pk"]
        indexes = [models.Index(fields=["status", "valid_until"])]

    def __str__(self):
        return self.title

    @property
    def is_editable(self):
        return self.status in EDITABLE_STATUSES

    def get_conditions_display(self):
        labels = dict(Certificate.choices)
        return [labels.get(value, value) for value in self.conditions]

    def get_target_groups_display(self):
        labels = dict(TargetGroup.choices)
        return [labels.get(value, value) for value in self.target_groups]


class MatchStage(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    INTRODUCED = "introduced", _("Introduced to the employer")
    INTERVIEW = "interview", _("Interview")
    HIRED = "hired", _("Hired")
    REJECTED = "rejected", _("Rejected")
    WITHDRAWN = "withdrawn", _("Withdrawn")


MATCH_TRANSITIONS = {
    MatchStage.PROPOSED: {MatchStage.INTRODUCED, MatchStage.WITHDRAWN},
    MatchStage.INTRODUCED: {MatchStage.INTERVIEW, MatchStage.REJECTED, MatchStage.WITHDRAWN},
    MatchStage.INTERVIEW: {MatchStage.HIRED, MatchStage.REJECTED, MatchStage.WITHDRAWN},
    MatchStage.HIRED: set(),
    MatchStage.REJECTED: set(),
    MatchStage.WITHDRAWN: set(),
}
# What an employer decides on; the rest is the municipality's.
EMPLOYER_STAGES = (MatchStage.INTERVIEW, MatchStage.HIRED, MatchStage.REJECTED)


class MatchQuerySet(models.QuerySet):
    def for_user(self, user):
        """Employers: matches introduced to their own opportunities. Consultants: matches
        of participants they may see. WSP and managers: their municipality."""
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.EMPLOYER:
            return self.filter(opportunity__employer__memberships__user_id=user.pk).exclude(
                stage__in=(MatchStage.PROPOSED, MatchStage.WITHDRAWN)
            )
        if user.role == Role.CONSULTANT:
            return self.filter(participant__in=Participant.objects.for_user(user))
        if user.role in (Role.WSP, Role.MANAGER):
            return self.filter(opportunity__employer__municipality_id=user.municipality_id)
        return self.none()


class Match(ChoiceLabels, models.Model):
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="matches",
    )
    opportunity = models.ForeignKey(
        Opportunity,
        verbose_name=_("opportunity"),
        on_delete=models.CASCADE,
        related_name="matches",
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=MatchStage.choices, default=MatchStage.PROPOSED
    )
    score = models.PositiveSmallIntegerField(_("fit score"), default=0)
    rejection_reason = models.CharField(_("reason"), max_length=300, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("proposed at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = MatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("match")
        verbose_name_plural = _("matches")
        ordering = ["-updated_at", "-pk"]
        constraints = [
            models.UniqueConstraint(fields=["participant", "opportunity"], name="unique_match")
        ]

    def __str__(self):
        return f"{self.participant} × {self.opportunity}"

    @property
    def candidate_label(self):
        """How an employer refers to the candidate: by name only with consent."""
        if self.participant.consent_share_name:
            return str(self.participant)
        return _("Candidate %(number)s") % {"number": self.pk}


class Placement(ChoiceLabels, models.Model):
    match = models.OneToOneField(Match, on_delete=models.CASCADE, related_name="placement")
    start_date = models.DateField(_("start date"))
    contract = models.CharField(_("contract"), max_length=20, choices=Contract.choices)
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), validators=[MinValueValidator(1), MaxValueValidator(60)]
    )
    handover = models.TextField(
        _("handover to the workplace"),
        blank=True,
        help_text=_("What the workplace needs to know to get the person started well."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")

    def __str__(self):
        return f"{self.match} ({self.start_date})"
