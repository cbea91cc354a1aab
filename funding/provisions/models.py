from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from vakwerk.models import BackgroundJob, JobStatus
from vakwerk.roles import Role

srg_code_validator = RegexValidator(r"^\d{3}$", _("An SRG code has three digits."))


class ProvisionKind(models.Model):
    """The managed list of kinds of provision, each with its SRG code (spec.PROVISION_KINDS
    seeds it; an operator corrects a code in the admin)."""

    key = models.SlugField(_("key"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    srg_code = models.CharField(
        _("SRG code"), max_length=3, unique=True, validators=[srg_code_validator]
    )
    wage_subsidy = models.BooleanField(_("wage-cost subsidy"), default=False)

    class Meta:
        verbose_name = _("kind of provision")
        verbose_name_plural = _("kinds of provision")
        ordering = ["srg_code"]

    def __str__(self):
        return f"{self.name} ({self.srg_code})"


class Source(models.TextChoices):
    MANUAL = "manual", _("Added by hand")
    ENROLMENT = "enrolment", _("Enrolment in a group")
    PLACEMENT = "placement", _("Placement on a learning/work place")
    TRAINING = "training", _("Training")


class ProvisionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Whoever may see the participant sees their provisions; the municipality's admin
        sees all of them, to correct the SRG delivery."""
        if not user.is_authenticated or not user.municipality_id:
            return self.none()
        if user.role == Role.ADMIN:
            return self.filter(municipality_id=user.municipality_id)
        return self.filter(participant__in=Participant.objects.for_user(user))

    def in_period(self, first, last):
        return self.filter(start_date__lte=last).filter(
            Q(end_date__isnull=True) | Q(end_date__gte=first)
        )


class Provision(models.Model):
    """A re-integration provision (voorziening) one participant receives."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    participant = models.ForeignKey(
        Participant, on_delete=models.CASCADE, related_name="provisions"
    )
    kind = models.ForeignKey(
        ProvisionKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="+"
    )
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    wage_subsidy_percentage = models.PositiveSmallIntegerField(
        _("wage-cost subsidy (% of minimum wage)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    wage_subsidy_amount = models.DecimalField(
        _("wage-cost subsidy per month (EUR)"),
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0)],
    )
    source = models.CharField(
        _("source"), max_length=20, choices=Source.choices, default=Source.MANUAL
    )
    # The enrolment, placement or training it follows from; none for one added by hand.
    source_id = models.PositiveBigIntegerField(null=True, blank=True, editable=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ProvisionQuerySet.as_manager()

    class Meta:
        verbose_name = _("provision")
        verbose_name_plural = _("provisions")
        ordering = ["start_date", "pk"]
        indexes = [models.Index(fields=["municipality", "start_date"])]
        constraints = [
            # One provision per recorded enrolment, placement or training: a repeated sync
            # updates it, it never adds a second.
            models.UniqueConstraint(
                fields=["source", "source_id"],
                condition=~Q(source="manual"),
                name="provision_one_per_source_record",
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="provision_ends_after_start",
                violation_error_message=_("The end date lies before the start date."),
            ),
        ]

    def __str__(self):
        return f"{self.kind.name}: {self.start_date}"

    @property
    def is_manual(self):
        return self.source == Source.MANUAL


class SrgDeliveryQuerySet(models.QuerySet):
    def for_user(self, user):
        """The file carries the BSN: only the municipality's admin sees it."""
        if user.is_authenticated and user.role == Role.ADMIN and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class SrgDelivery(BackgroundJob):
    """One SRG file for one month, built in the background (vakwerk/jobs.py): the row is
    the request (queued), then running, then done with its file, or failed. A month built
    again gets the next version; the newest replaces the earlier ones at CBS (a
    correction). The version is decided when the file is built, under the municipality's
    row lock, so only files that exist are numbered (a failed build takes no number)."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("report month"))
    version = models.PositiveSmallIntegerField(_("version"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    built_at = models.DateTimeField(_("built at"), null=True, blank=True)
    # Who asked for it; none for the monthly job.
    built_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The kind of exception only, for the admin; its message and traceback go to the log.
    error = models.TextField(_("error"), blank=True)
    file_name = models.CharField(max_length=200, blank=True, editable=False)
    # The file holds BSNs: it is deleted when CBS can no longer take the month (or a newer
    # version replaced it); the row, its counts and errors stay as the record.
    file_removed_at = models.DateTimeField(_("file removed at"), null=True, blank=True)
    record_count = models.PositiveIntegerField(_("records"), default=0)
    # [{"participant_id", "provision_id", "message"}]: ids and words, never a BSN.
    errors = models.JSONField(default=list, blank=True)

    objects = SrgDeliveryQuerySet.as_manager()

    class Meta:
        verbose_name = _("SRG delivery")
        verbose_name_plural = _("SRG deliveries")
        # Requests not yet built (no version) come first, then the newest months.
        ordering = ["-month", F("version").desc(nulls_first=True), "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "month", "version"], name="srg_one_version_per_month"
            ),
            models.CheckConstraint(condition=Q(month__day=1), name="srg_month_first_day"),
            models.CheckConstraint(
                condition=~Q(status=JobStatus.DONE) | Q(version__isnull=False),
                name="srg_done_has_version",
            ),
        ]

    def __str__(self):
        if self.version is None:
            return f"SRG {self.month:%Y-%m}"
        return f"SRG {self.month:%Y-%m} v{self.version}"

    @property
    def is_correction(self):
        return bool(self.version and self.version > 1)

    @property
    def is_done(self):
        return self.status == JobStatus.DONE

    @property
    def file_removed(self):
        return self.file_removed_at is not None

    @property
    def error_count(self):
        return len(self.errors)
