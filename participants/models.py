import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Exists, F, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from vakwerk.bsn import mask_bsn
from vakwerk.choice_labels import ChoiceLabels
from vakwerk.roles import Role

from .validators import BSNValidator

# The Participatiewet replaced the Wet werk en bijstand (WWB) on 1 January 2015.
PARTICIPATIEWET_START = datetime.date(2015, 1, 1)

postcode_validator = RegexValidator(
    r"^[1-9][0-9]{3} ?[A-Za-z]{2}$", _("Enter a Dutch postcode such as 8011 AB.")
)


class Status(models.TextChoices):
    REGISTERED = "registered", _("Registered")
    INTAKE = "intake", _("Intake")
    SELECTED = "selected", _("Selected")
    IN_PROGRAMME = "in_programme", _("In programme")
    MATCHED = "matched", _("Matched")
    PLACED = "placed", _("Placed")
    OFF_BENEFIT = "off_benefit", _("Off benefit")
    NOT_SELECTED = "not_selected", _("Not selected")
    DROPPED_OUT = "dropped_out", _("Dropped out")


# The main flow moves one step forward; the side exits can be taken from the steps that
# precede placement. A placement that falls through goes back to "in programme".
STATUS_TRANSITIONS = {
    Status.REGISTERED: {Status.INTAKE, Status.DROPPED_OUT},
    Status.INTAKE: {Status.SELECTED, Status.NOT_SELECTED, Status.DROPPED_OUT},
    Status.SELECTED: {Status.IN_PROGRAMME, Status.DROPPED_OUT},
    Status.IN_PROGRAMME: {Status.MATCHED, Status.DROPPED_OUT},
    Status.MATCHED: {Status.PLACED, Status.IN_PROGRAMME, Status.DROPPED_OUT},
    Status.PLACED: {Status.OFF_BENEFIT, Status.IN_PROGRAMME},
    Status.OFF_BENEFIT: set(),
    Status.NOT_SELECTED: set(),
    Status.DROPPED_OUT: set(),
}
ACTIVE_STATUSES = (
    Status.REGISTERED,
    Status.INTAKE,
    Status.SELECTED,
    Status.IN_PROGRAMME,
    Status.MATCHED,
    Status.PLACED,
)


class BenefitType(models.TextChoices):
    WW = "ww", _("WW")
    BIJSTAND = "bijstand", _("Social assistance (Participatiewet)")
    BOTH = "both", _("WW and social assistance")
    OTHER = "other", _("Other or none")


class TargetGroup(models.TextChoices):
    YOUTH = "youth", _("Youth (18–24)")
    WORKERS = "workers", _("Workers (25–49)")
    OLDER = "older", _("Older (50+)")


def target_group_for(birth_date, on_date):
    age = (
        on_date.year
        - birth_date.year
        - ((on_date.month, on_date.day) < (birth_date.month, birth_date.day))
    )
    if age < 25:
        return TargetGroup.YOUTH
    if age < 50:
        return TargetGroup.WORKERS
    return TargetGroup.OLDER


def benefit_label(benefit_type, on_date):
    """Social assistance before 2015 was WWB; records from then keep that name."""
    if (
        benefit_type in (BenefitType.BIJSTAND, BenefitType.BOTH)
        and on_date
        and on_date < PARTICIPATIEWET_START
    ):
        return _("WWB") if benefit_type == BenefitType.BIJSTAND else _("WW and WWB")
    return BenefitType(benefit_type).label if benefit_type else ""


class ParticipantQuerySet(models.QuerySet):
    def for_user(self, user):
        """Consultants: their own caseload and the members of the groups they lead.
        Managers: their whole municipality. Every other role: nothing."""
        if not user.is_authenticated or not user.municipality_id:
            return self.none()
        in_municipality = self.filter(municipality_id=user.municipality_id)
        if user.role == Role.CONSULTANT:
            # IN over an uncorrelated subquery, not a correlated EXISTS: PostgreSQL hashes
            # the group members once instead of probing for each of the municipality's
            # participants (1 ms instead of 12 at 10,000 participants).
            led = Enrolment.objects.filter(cohort__trainers=user).values("participant_id")
            return in_municipality.filter(Q(consultant=user) | Q(pk__in=led))
        if user.role == Role.MANAGER:
            return in_municipality
        return self.none()

    def for_access_request(self, user):
        """An admin answering a data-subject request sees the whole municipality's
        participants, and only for that purpose (the views check the role)."""
        if user.is_authenticated and user.role == Role.ADMIN and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()

    def for_matching(self, user):
        """Whom a user may propose to employers. The WSP matches for the whole
        municipality but sees talent profiles only, never case data."""
        if user.is_authenticated and user.role == Role.WSP and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.for_user(user)


class Participant(ChoiceLabels, models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="participants",
    )
    # Nullable only so that retention can blank it (NULLs never collide in the unique
    # constraint); blank stays False so that forms still require a BSN.
    bsn = models.CharField(_("BSN"), max_length=9, null=True, validators=[BSNValidator()])
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    # Nullable for anonymisation only; forms still require it (blank=False).
    birth_date = models.DateField(_("date of birth"), null=True)
    postcode = models.CharField(
        _("postcode"), max_length=7, blank=True, validators=[postcode_validator]
    )
    benefit_type = models.CharField(
        _("benefit"), max_length=20, choices=BenefitType.choices, default=BenefitType.BIJSTAND
    )
    benefit_start = models.DateField(_("benefit since"), null=True, blank=True)
    monthly_benefit = models.DecimalField(
        _("monthly benefit (EUR)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
        limit_choices_to={"role": Role.CONSULTANT},
    )
    consent_research = models.BooleanField(_("consents to research use"), default=False)
    consent_share_profile = models.BooleanField(
        _("consents to sharing the talent profile with employers"), default=False
    )
    consent_share_name = models.BooleanField(
        _("consents to sharing their name with employers"), default=False
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    enrolled_on = models.DateField(_("enrolled on"), default=datetime.date.today)
    # Derived from the age on enrolled_on (see services.register_participant); stored so
    # that filters and outcome figures group on it in SQL.
    target_group = models.CharField(
        _("target group"), max_length=10, choices=TargetGroup.choices, editable=False
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    in_comparison_group = models.BooleanField(
        _("in the comparison group"),
        default=False,
        help_text=_("Comparable people who did not follow the programme, for the net effect."),
    )
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [
            models.Index(fields=["municipality", "consultant", "status"]),
            models.Index(fields=["municipality", "last_name", "first_name"]),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "bsn"], name="unique_bsn_per_municipality"
            )
        ]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"

    def save(self, *args, **kwargs):
        if self.birth_date and self.enrolled_on:
            self.target_group = target_group_for(self.birth_date, self.enrolled_on)
        super().save(*args, **kwargs)

    @property
    def masked_bsn(self):
        return mask_bsn(self.bsn)

    @property
    def benefit_label(self):
        return benefit_label(self.benefit_type, self.benefit_start)


class StatusChange(ChoiceLabels, models.Model):
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="status_changes"
    )
    from_status = models.CharField(_("from"), max_length=20, choices=Status.choices, blank=True)
    to_status = models.CharField(_("to"), max_length=20, choices=Status.choices)
    changed_at = models.DateTimeField(_("changed at"))
    changed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("status change")
        verbose_name_plural = _("status changes")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.from_status} → {self.to_status}"


class DevelopmentPotential(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class Intake(ChoiceLabels, models.Model):
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="intake"
    )
    held_on = models.DateField(_("held on"))
    held_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    development_potential = models.CharField(
        _("development potential"), max_length=10, choices=DevelopmentPotential.choices
    )
    passion_inventory = models.TextField(_("passion inventory"), blank=True)
    knowledge = models.TextField(_("knowledge"), blank=True)
    skills = models.TextField(_("skills"), blank=True)
    behaviour = models.TextField(_("behaviour"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    # Why the consultant selects this person on their potential; selection requires it
    # (services.selection_refusal), so the choice can be accounted for later.
    selection_motivation = models.TextField(
        _("selection motivation"),
        blank=True,
        default="",
        # Intakes written before this field, and bulk loads, have none.
        db_default="",
        help_text=_("Why this participant is (or is not) selected for the programme."),
    )

    class Meta:
        verbose_name = _("intake")
        verbose_name_plural = _("intakes")

    def __str__(self):
        return f"{self.participant} ({self.held_on})"


class Rung(models.IntegerChoices):
    ISOLATED = 1, _("1 · Isolated")
    SOCIAL_CONTACTS = 2, _("2 · Social contacts outside the home")
    ORGANISED_ACTIVITIES = 3, _("3 · Organised activities")
    UNPAID_WORK = 4, _("4 · Unpaid work")
    SUPPORTED_PAID_WORK = 5, _("5 · Paid work with support")
    PAID_WORK = 6, _("6 · Paid work")


class LadderMoment(models.TextChoices):
    INTAKE = "intake", _("Intake")
    FOLLOW_UP = "follow_up", _("Follow-up")


class LadderRung(ChoiceLabels, models.Model):
    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="ladder")
    recorded_on = models.DateField(_("recorded on"))
    moment = models.CharField(_("moment"), max_length=10, choices=LadderMoment.choices)
    rung = models.PositiveSmallIntegerField(_("rung"), choices=Rung.choices)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    class Meta:
        verbose_name = _("participation ladder rung")
        verbose_name_plural = _("participation ladder rungs")
        ordering = ["-recorded_on", "-pk"]

    def __str__(self):
        return f"{self.participant}: {self.rung}"


class CohortQuerySet(models.QuerySet):
    def for_user(self, user):
        """Consultants see the groups they lead or that hold someone of their caseload."""
        if not user.is_authenticated or not user.municipality_id:
            return self.none()
        in_municipality = self.filter(programme__municipality_id=user.municipality_id)
        if user.role == Role.CONSULTANT:
            has_own = Enrolment.objects.filter(cohort=OuterRef("pk"), participant__consultant=user)
            leads = Cohort.trainers.through.objects.filter(cohort=OuterRef("pk"), user=user)
            return in_municipality.filter(Exists(leads) | Exists(has_own))
        if user.role == Role.MANAGER:
            return in_municipality
        return self.none()

    def led_by(self, user):
        """The groups a user may change (details, trainers, meetings, attendance): a
        manager's of the municipality, a consultant's only the ones they lead. Seeing a
        group because one's own participant is in it is not leading it: a trainer sees
        every member's file."""
        visible = self.for_user(user)
        if user.role == Role.CONSULTANT:
            return visible.filter(trainers=user)
        return visible


class Cohort(models.Model):
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.PROTECT,
        related_name="cohorts",
    )
    name = models.CharField(_("name"), max_length=100)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))
    trainers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("trainers"),
        related_name="cohorts_led",
        blank=True,
    )
    capacity = models.PositiveSmallIntegerField(
        _("capacity"), default=10, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )

    objects = CohortQuerySet.as_manager()

    class Meta:
        verbose_name = _("group")
        verbose_name_plural = _("groups")
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "name"], name="unique_cohort_name"),
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="cohort_ends_after_start"
            ),
        ]

    def __str__(self):
        return self.name

    def meetings_outside(self, start, end):
        """The group's meetings that a period from `start` to `end` would leave out."""
        return self.meetings.exclude(held_on__gte=start, held_on__lte=end)


class Enrolment(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="enrolments")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="enrolments"
    )
    enrolled_on = models.DateField(_("enrolled on"))

    class Meta:
        verbose_name = _("enrolment")
        verbose_name_plural = _("enrolments")
        constraints = [
            models.UniqueConstraint(fields=["cohort", "participant"], name="unique_enrolment")
        ]

    def __str__(self):
        return f"{self.participant} in {self.cohort}"


class CohortMeeting(models.Model):
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="meetings")
    held_on = models.DateField(_("date"))
    topic = models.CharField(_("topic"), max_length=200)

    class Meta:
        verbose_name = _("workshop meeting")
        verbose_name_plural = _("workshop meetings")
        ordering = ["held_on", "pk"]

    def __str__(self):
        return f"{self.cohort}: {self.topic}"

    def clean(self):
        # The group's period bounds its meetings: a date outside it is a typing error
        # (a wrong year), and attendance outside the period would count for nobody.
        cohort = self.cohort if self.cohort_id else None
        if cohort is None or self.held_on is None:
            return
        if not cohort.start_date <= self.held_on <= cohort.end_date:
            message = _("The meeting must fall within the group's period (%(start)s – %(end)s).")
            dates = {"start": date_format(cohort.start_date), "end": date_format(cohort.end_date)}
            raise ValidationError(
                {"held_on": ValidationError(message % dates, code="meeting_outside_period")}
            )


class Attendance(models.Model):
    meeting = models.ForeignKey(CohortMeeting, on_delete=models.CASCADE, related_name="attendance")
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="attendance"
    )
    present = models.BooleanField(_("present"), default=False)

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendance")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "participant"], name="unique_attendance")
        ]

    def __str__(self):
        return f"{self.participant} @ {self.meeting}"


class FollowUp(models.IntegerChoices):
    MONTHS_3 = 3, _("3 months")
    MONTHS_6 = 6, _("6 months")
    MONTHS_12 = 12, _("12 months")
    MONTHS_18 = 18, _("18 months")


class Employment(models.TextChoices):
    NONE = "none", _("No work")
    PART_TIME = "part_time", _("Part-time")
    FULL_TIME = "full_time", _("Full-time")
    LEARNING_WORK = "learning_work", _("Learning/work place")


class Contract(models.TextChoices):
    NONE = "none", _("No contract")
    TEMPORARY = "temporary", _("Temporary")
    PERMANENT = "permanent", _("Permanent")
    AGENCY = "agency", _("Agency work")
    SELF_EMPLOYED = "self_employed", _("Self-employed")


class BenefitStatus(models.TextChoices):
    FULL = "full", _("Full benefit")
    PARTIAL = "partial", _("Partial benefit")
    NONE = "none", _("No benefit")


class Source(models.TextChoices):
    PARTICIPANT = "participant", _("Participant")
    EMPLOYER = "employer", _("Employer")
    BENEFIT_SYSTEM = "benefit_system", _("Benefit administration")
    UWV = "uwv", _("UWV")


class BenefitEndReason(models.TextChoices):
    WORK = "work", _("Work")
    EDUCATION = "education", _("Education")
    OWN_BUSINESS = "own_business", _("Own business")
    MOVED_AWAY = "moved_away", _("Moved away")
    WORKING_PARTNER = "working_partner", _("Living with a working partner")
    OTHER = "other", _("Other")


# Only these count as outflow to work; moving away or a working partner end the benefit
# without the programme having anything to do with it.
OUTFLOW_TO_WORK_REASONS = (
    BenefitEndReason.WORK,
    BenefitEndReason.EDUCATION,
    BenefitEndReason.OWN_BUSINESS,
)


# The two outcome predicates, as Q objects so that conditional counts (`Count(filter=)`)
# and querysets say the same thing: the dashboard, the programme page, the monitoring
# report and the research codebook count these and nothing else, and the savings model's
# sustainable outflow is the same predicate (funding.savings.SUSTAINABLE).
# In work: any employment but "no work".
IN_WORK = ~Q(employment__in=[Employment.NONE, ""])
# Off benefit: no benefit left, for a reason that counts as outflow to work.
OUTFLOW_TO_WORK = Q(
    benefit_status=BenefitStatus.NONE, benefit_end_reason__in=OUTFLOW_TO_WORK_REASONS
)


class OutcomeMeasurementQuerySet(models.QuerySet):
    def pending(self):
        return self.filter(measured_on__isnull=True)

    def measured(self):
        return self.filter(measured_on__isnull=False)

    def in_work(self):
        return self.filter(IN_WORK)

    def outflow_to_work(self):
        return self.filter(OUTFLOW_TO_WORK)


class OutcomeMeasurement(ChoiceLabels, models.Model):
    """One follow-up (nameting) of one participant after their group ended. Scheduled rows
    (measured_on empty) make the consultant's task list; the due date follows from the
    group's end date."""

    participant = models.ForeignKey(Participant, on_delete=models.CASCADE, related_name="outcomes")
    cohort = models.ForeignKey(Cohort, on_delete=models.CASCADE, related_name="outcomes")
    follow_up = models.PositiveSmallIntegerField(_("follow-up"), choices=FollowUp.choices)
    due_on = models.DateField(_("due on"))
    measured_on = models.DateField(_("measured on"), null=True, blank=True)
    employment = models.CharField(
        _("employment"), max_length=20, choices=Employment.choices, blank=True
    )
    hours_per_week = models.PositiveSmallIntegerField(
        _("hours per week"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    contract = models.CharField(_("contract"), max_length=20, choices=Contract.choices, blank=True)
    benefit_status = models.CharField(
        _("benefit status"), max_length=10, choices=BenefitStatus.choices, blank=True
    )
    benefit_end_reason = models.CharField(
        _("reason the benefit ended"), max_length=20, choices=BenefitEndReason.choices, blank=True
    )
    source = models.CharField(_("source"), max_length=20, choices=Source.choices, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    objects = OutcomeMeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("outcome measurement")
        verbose_name_plural = _("outcome measurements")
        ordering = ["due_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "cohort", "follow_up"], name="unique_follow_up"
            )
        ]
        indexes = [models.Index(fields=["measured_on", "due_on"])]

    def __str__(self):
        return f"{self.participant}: {self.get_follow_up_display()}"

    @property
    def counts_as_outflow_to_work(self):
        return (
            self.benefit_status == BenefitStatus.NONE
            and self.benefit_end_reason in OUTFLOW_TO_WORK_REASONS
        )

    @property
    def benefit_label(self):
        return benefit_label(self.participant.benefit_type, self.measured_on or self.due_on)


# What the consultant records at a follow-up (the outcome form, forms.OutcomeForm).
OUTCOME_RECORDED = (
    "measured_on",
    "employment",
    "hours_per_week",
    "contract",
    "benefit_status",
    "benefit_end_reason",
    "source",
)
# What a follow-up holds besides whom and which group it is about: the one list of it.
# All of it figures, nothing that names or describes the person, so anonymisation keeps it
# (personal_data.py), the research export reads it (evaluation/research/tables.py) and the
# scale generator loads it (vakwerk/demo/scale.py). A free-text field does not belong here;
# a figure added here reaches all three.
OUTCOME_FIGURES = ("follow_up", "due_on", *OUTCOME_RECORDED)


# --- Network measurement (the plan's "groei sociaal kapitaal") -------------------------


class NetworkMoment(models.IntegerChoices):
    """When the network is measured: at the intake, and at the follow-ups of `FollowUp`
    (months after the group ended), so that it lines up with the outcome measurements."""

    INTAKE = 0, _("Intake")
    MONTHS_3 = FollowUp.MONTHS_3.value, FollowUp.MONTHS_3.label
    MONTHS_6 = FollowUp.MONTHS_6.value, FollowUp.MONTHS_6.label
    MONTHS_12 = FollowUp.MONTHS_12.value, FollowUp.MONTHS_12.label
    MONTHS_18 = FollowUp.MONTHS_18.value, FollowUp.MONTHS_18.label


class SelfRating(models.IntegerChoices):
    """Agreement with "I know whom to ask to help me find work", 1 to 5."""

    DISAGREE_STRONGLY = 1, _("1 · Strongly disagree")
    DISAGREE = 2, _("2 · Disagree")
    NEUTRAL = 3, _("3 · Neither agree nor disagree")
    AGREE = 4, _("4 · Agree")
    AGREE_STRONGLY = 5, _("5 · Strongly agree")


# The instrument's upper limits: beyond them a number is a typing error, not a network.
MAX_WORK_CONTACTS = 200
MAX_EMPLOYER_CONTACTS = 100


class NetworkMeasurementQuerySet(models.QuerySet):
    def for_user(self, user):
        """Whoever may see the participant sees their measurements (`Participant.for_user`)."""
        return self.filter(participant__in=Participant.objects.for_user(user))


class NetworkMeasurement(models.Model):
    """The fixed network instrument of one participant at one moment: the consultant
    asks the same three questions at the intake and at each follow-up."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="network_measurements"
    )
    moment = models.PositiveSmallIntegerField(_("moment"), choices=NetworkMoment.choices)
    measured_on = models.DateField(_("measured on"))
    work_contacts = models.PositiveSmallIntegerField(
        _("work-relevant contacts"),
        validators=[MaxValueValidator(MAX_WORK_CONTACTS)],
        help_text=_("People the participant knows who could help them towards work."),
    )
    employer_contacts = models.PositiveSmallIntegerField(
        _("employers contacted in the last three months"),
        validators=[MaxValueValidator(MAX_EMPLOYER_CONTACTS)],
    )
    self_rating = models.PositiveSmallIntegerField(
        _("“I know whom to ask to help me find work”"), choices=SelfRating.choices
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )

    objects = NetworkMeasurementQuerySet.as_manager()

    class Meta:
        verbose_name = _("network measurement")
        verbose_name_plural = _("network measurements")
        ordering = ["moment", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["participant", "moment"], name="unique_network_measurement"
            ),
            models.CheckConstraint(
                condition=Q(self_rating__gte=1, self_rating__lte=5),
                name="network_self_rating_1_to_5",
            ),
        ]

    def __str__(self):
        return f"{self.participant}: {self.get_moment_display()}"


# A network measurement's figures, listed once like OUTCOME_FIGURES: anonymisation keeps
# them and the research export reads them.
NETWORK_FIGURES = ("moment", "measured_on", "work_contacts", "employer_contacts", "self_rating")


class Certificate(models.TextChoices):
    """What employers may ask as a condition and a participant can hold."""

    VOCATIONAL_COURSE = "vocational_course", _("Completed vocational course")
    GOED_WERKNEMER = "goed_werknemer", _("“Goed Werknemer” certificate")
    DRIVING_LICENCE = "driving_licence", _("Driving licence B")
    VCA = "vca", _("VCA safety certificate")
    DUTCH_B1 = "dutch_b1", _("Dutch at B1 level")


class Weekday(models.TextChoices):
    MONDAY = "mon", _("Monday")
    TUESDAY = "tue", _("Tuesday")
    WEDNESDAY = "wed", _("Wednesday")
    THURSDAY = "thu", _("Thursday")
    FRIDAY = "fri", _("Friday")
    SATURDAY = "sat", _("Saturday")
    SUNDAY = "sun", _("Sunday")


# The managed list of skills a consultant ticks; stored as words in the profile's skills
# text (Dutch, as employers write `skills_wanted`), where the matching looks for them.
COMMON_SKILLS = (
    "klantvriendelijk", "samenwerken", "nauwkeurig", "betrouwbaar", "zorg", "schoonmaak",
    "koken", "magazijn", "heftruck", "logistiek", "bouwplaats", "techniek", "groen",
    "administratie", "kassa", "computer", "rijden",
)  # fmt: skip


class TalentProfile(models.Model):
    participant = models.OneToOneField(
        Participant, on_delete=models.CASCADE, related_name="talent_profile"
    )
    skills = models.TextField(_("skills"), blank=True)
    certificates = models.JSONField(_("certificates"), default=list, blank=True)
    hours_available = models.PositiveSmallIntegerField(
        _("hours available per week"), null=True, blank=True, validators=[MaxValueValidator(60)]
    )
    experience = models.TextField(_("experience"), blank=True)
    education = models.TextField(_("education"), blank=True)
    passions = models.TextField(_("passions"), blank=True)
    availability = models.CharField(_("availability"), max_length=200, blank=True)
    # The date each held certificate was obtained, by code ({"vca": "2025-03-14"}): beside
    # `certificates`, which the matching and the PDF read as a plain list of codes.
    certificate_dates = models.JSONField(_("certificates obtained on"), default=dict, blank=True)
    days_available = models.JSONField(_("days available"), default=list, blank=True)
    summary = models.TextField(_("summary"), max_length=1500, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("talent profile")
        verbose_name_plural = _("talent profiles")

    def __str__(self):
        return f"{self.participant}"

    @property
    def certificate_list(self):
        """(label, date obtained or None) per certificate held, in the order of the list."""
        labels = dict(Certificate.choices)
        return [
            (
                labels.get(code, code),
                datetime.date.fromisoformat(self.certificate_dates[code])
                if self.certificate_dates.get(code)
                else None,
            )
            for code in self.certificates
        ]

    @property
    def day_labels(self):
        labels = dict(Weekday.choices)
        return [labels[day] for day in self.days_available if day in labels]


# --- Training (the plan's "vakopleiding") -----------------------------------------------


class TrainingKind(models.TextChoices):
    EMPLOYER = "employer", _("At an employer")
    ROC = "roc", _("ROC (vocational college)")
    ONLINE = "online", _("Online")
    WORKSHOP = "workshop", _("Workshop")


class TrainingResult(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    STOPPED = "stopped", _("Stopped")


# A training that was finished: the one predicate the dashboard counts as completed and
# through which a certificate counts for the matching (selectors.held_certificates).
TRAINING_COMPLETED = Q(result=TrainingResult.COMPLETED)
# The most hours one course can plausibly take (a full-time year is about 1,600).
MAX_TRAINING_HOURS = 2000


class TrainingQuerySet(models.QuerySet):
    def for_user(self, user):
        """Whoever may see the participant sees their trainings (`Participant.for_user`)."""
        return self.filter(participant__in=Participant.objects.for_user(user))

    def completed(self):
        return self.filter(TRAINING_COMPLETED)

    def certified(self):
        """Completed with a certificate: what the certificate holds for the matching."""
        return self.completed().exclude(certificate="")


class Training(ChoiceLabels, models.Model):
    """A course or vocational training one participant follows: at an employer, at an ROC,
    online or a workshop. A completed one with a certificate counts as that certificate."""

    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="trainings"
    )
    name = models.CharField(_("course or training"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    hours = models.PositiveSmallIntegerField(
        _("hours"), null=True, blank=True, validators=[MaxValueValidator(MAX_TRAINING_HOURS)]
    )
    result = models.CharField(
        _("result"), max_length=20, choices=TrainingResult.choices, default=TrainingResult.PLANNED
    )
    certificate = models.CharField(
        _("certificate obtained"), max_length=30, choices=Certificate.choices, blank=True
    )
    certificate_on = models.DateField(_("certificate obtained on"), null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = TrainingQuerySet.as_manager()

    class Meta:
        verbose_name = _("training")
        verbose_name_plural = _("trainings")
        ordering = ["-start_date", "-pk"]
        indexes = [models.Index(fields=["participant", "result"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="participant_training_ends_after_start",
            ),
            models.CheckConstraint(
                condition=Q(certificate="") | Q(result=TrainingResult.COMPLETED),
                name="participant_training_certificate_when_completed",
            ),
        ]

    def __str__(self):
        return f"{self.participant}: {self.name}"

    def clean(self):
        errors = {}
        if self.end_date and self.start_date and self.end_date < self.start_date:
            errors["end_date"] = _("The end date lies before the start date.")
        if self.result == TrainingResult.COMPLETED and not self.end_date:
            errors["end_date"] = _("Fill in the date the training was completed.")
        if self.certificate and self.result != TrainingResult.COMPLETED:
            errors["certificate"] = _(
                "A certificate is obtained with a completed training: set the result to "
                "completed, or leave the certificate empty."
            )
        if self.certificate_on and not self.certificate:
            errors["certificate_on"] = _("Choose the certificate, or clear its date.")
        if self.certificate_on and self.start_date and self.certificate_on < self.start_date:
            errors["certificate_on"] = _("The certificate was obtained before the training began.")
        if errors:
            raise ValidationError(errors)


# A training's figures, listed once like OUTCOME_FIGURES: anonymisation keeps them, the
# research export reads them and the training form edits them (with the course's name and
# provider, free text that neither keeps).
TRAINING_FIGURES = (
    "kind",
    "start_date",
    "end_date",
    "hours",
    "result",
    "certificate",
    "certificate_on",
)
