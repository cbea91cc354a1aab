from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .roles import STAFF_ROLES, Role, RoleChecks
from .theme import DEFAULT_COLOUR, colour_validator, validate_readable_colour

cbs_code_validator = RegexValidator(r"^\d{4}$", _("A CBS municipality code has four digits."))


class Municipality(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    cbs_code = models.CharField(
        _("CBS code"), max_length=4, unique=True, validators=[cbs_code_validator]
    )
    colour = models.CharField(
        _("colour"),
        max_length=7,
        default=DEFAULT_COLOUR,
        validators=[colour_validator, validate_readable_colour],
    )
    logo = models.ImageField(_("logo"), upload_to="logos/", blank=True)
    session_timeout_minutes = models.PositiveSmallIntegerField(
        _("log out after inactivity (minutes)"),
        default=30,
        validators=[MinValueValidator(5)],
    )
    retention_years = models.PositiveSmallIntegerField(
        _("keep participant data after the programme ended (years)"),
        default=5,
        validators=[MinValueValidator(1)],
    )
    require_two_factor = models.BooleanField(
        _("two-factor authentication required"),
        default=False,
        help_text=_("Staff must enrol an authenticator app before they can work."),
    )
    require_two_factor_employers = models.BooleanField(
        _("two-factor authentication required for employers"),
        default=False,
        help_text=_(
            "Employer users must enrol an authenticator app before they can use the portal."
        ),
    )

    class Meta:
        verbose_name = _("municipality")
        verbose_name_plural = _("municipalities")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserQuerySet(models.QuerySet):
    def for_user(self, user):
        """The users an admin manages: those of their own municipality."""
        if user.is_authenticated and user.role == Role.ADMIN and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class UserManager(BaseUserManager.from_queryset(UserQuerySet)):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An e-mail address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra["is_staff"] = True
        extra["is_superuser"] = True
        return self._create_user(email, password, **extra)

    def get_by_natural_key(self, username):
        return self.get(email__iexact=username)


class User(RoleChecks, AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(_("e-mail address"), unique=True)
    first_name = models.CharField(_("first name"), max_length=100, blank=True)
    last_name = models.CharField(_("last name"), max_length=100, blank=True)
    role = models.CharField(_("role"), max_length=20, choices=Role.choices, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="users",
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Only platform operators use the Django admin; municipal roles never do.
    is_staff = models.BooleanField(_("platform operator"), default=False)
    date_joined = models.DateTimeField(_("date joined"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS = []

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["last_name", "first_name", "email"]

    def __str__(self):
        return self.get_full_name() or self.email

    def get_full_name(self):
        return f"{self.first_name} {self.last_name}".strip()

    def get_short_name(self):
        return self.first_name or self.email

    def clean(self):
        super().clean()
        self.email = self.email.lower()
        if self.role and not self.municipality_id:
            raise ValidationError({"municipality": _("A user with a role has a municipality.")})

    @property
    def is_staff_role(self):
        return self.role in STAFF_ROLES

    @property
    def is_platform_operator(self):
        """Django-admin users: they see every municipality, so they always need a second
        factor and get the short inactivity time-out."""
        return self.is_staff or self.is_superuser

    @property
    def may_use_two_factor(self):
        return self.is_staff_role or self.role == Role.EMPLOYER or self.is_platform_operator

    @property
    def two_factor_required(self):
        if self.is_platform_operator:
            return True
        if not self.municipality_id:
            return False
        if self.role == Role.EMPLOYER:
            return self.municipality.require_two_factor_employers
        return self.is_staff_role and self.municipality.require_two_factor


class Phase(models.TextChoices):
    PREPARATION = "preparation", _("Preparation")
    RESEARCH = "research", _("Research")
    DEVELOPMENT = "development", _("Development")
    EXECUTION = "execution", _("Execution")
    EVALUATION = "evaluation", _("Evaluation")


class ProgrammeQuerySet(models.QuerySet):
    # Roles that work with programmes; the others get 403 from the views before this runs.
    ROLES = frozenset({Role.CONSULTANT, Role.MANAGER, Role.ADMIN, Role.WSP})

    def for_user(self, user):
        if not user.is_authenticated or user.role not in self.ROLES:
            return self.none()
        return self.filter(municipality_id=user.municipality_id)


class Programme(models.Model):
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="programmes",
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    phase = models.CharField(
        _("phase"), max_length=20, choices=Phase.choices, default=Phase.PREPARATION
    )

    objects = ProgrammeQuerySet.as_manager()

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["-start_date", "name"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "name"], name="unique_programme_name"),
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True)
                | models.Q(end_date__gte=models.F("start_date")),
                name="programme_ends_after_start",
            ),
        ]

    def __str__(self):
        return self.name


class ProgrammeActivity(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="activities")
    what = models.CharField(_("what"), max_length=200)
    who = models.CharField(_("who"), max_length=200, blank=True)
    why = models.TextField(_("why"), blank=True)
    due_date = models.DateField(_("due"), null=True, blank=True)
    done_on = models.DateField(_("done on"), null=True, blank=True)

    class Meta:
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        ordering = ["due_date", "pk"]

    def __str__(self):
        return self.what


class GoalMetric(models.TextChoices):
    PARTICIPANTS = "participants", _("Participants enrolled")
    COHORTS = "cohorts", _("Groups started")
    IN_WORK_3M = "in_work_3m", _("In work after 3 months (%)")
    OFF_BENEFIT_6M = "off_benefit_6m", _("Off benefit after 6 months (%)")
    PLACEMENTS = "placements", _("Placements")
    JOB_INTENTIONS = "job_intentions", _("Job intentions from employers")


class ProgrammeGoal(models.Model):
    programme = models.ForeignKey(Programme, on_delete=models.CASCADE, related_name="goals")
    metric = models.CharField(_("metric"), max_length=30, choices=GoalMetric.choices)
    target = models.DecimalField(
        _("target"), max_digits=10, decimal_places=2, validators=[MinValueValidator(0)]
    )

    class Meta:
        verbose_name = _("goal")
        verbose_name_plural = _("goals")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "metric"], name="unique_goal_metric")
        ]

    def __str__(self):
        return f"{self.get_metric_display()}: {self.target}"


class WorkerHeartbeat(models.Model):
    """Last time each Celery worker ran the heartbeat task; /healthz reports it."""

    hostname = models.CharField(max_length=255, unique=True)
    last_seen = models.DateTimeField()

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")

    def __str__(self):
        return self.hostname


class AuditAction(models.TextChoices):
    VIEW = "view", _("Viewed")
    CREATE = "create", _("Created")
    UPDATE = "update", _("Changed")
    DELETE = "delete", _("Deleted")
    SEARCH = "search", _("Searched")
    EXPORT = "export", _("Exported")
    DOWNLOAD = "download", _("Downloaded")
    ANONYMISE = "anonymise", _("Anonymised")
    LOGIN = "login", _("Logged in")
    LOGIN_FAILED = "login_failed", _("Failed login")
    LOGOUT = "logout", _("Logged out")
    TWO_FACTOR_ENROLLED = "2fa_enrolled", _("Enrolled a second factor")
    ROLE_CHANGED = "role_changed", _("Role changed")


class AuditEntryQuerySet(models.QuerySet):
    def for_user(self, user):
        """Admins and managers see the trail of their own municipality."""
        if user.is_authenticated and user.role in (Role.ADMIN, Role.MANAGER):
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class AuditEntry(models.Model):
    """Who did what with whose personal data. Append-only: the database itself refuses
    UPDATE and DELETE (see migration 0003). It holds ids, never names or BSNs, so that
    the trail itself needs no anonymising."""

    at = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    user = models.ForeignKey(
        User,
        verbose_name=_("user"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Snapshots: what the user was when it happened, even if that changes later.
    user_email = models.CharField(_("user e-mail"), max_length=254, blank=True)
    role = models.CharField(_("role"), max_length=20, blank=True)
    municipality = models.ForeignKey(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=20, choices=AuditAction.choices)
    object_type = models.CharField(_("object"), max_length=50, blank=True)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    participant_id = models.BigIntegerField(_("participant number"), null=True, blank=True)
    detail = models.CharField(_("what"), max_length=100, blank=True)
    purpose = models.CharField(_("purpose"), max_length=200, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-pk"]
        indexes = [
            # The audit page reads newest first from an (at, id) position.
            models.Index(fields=["municipality", "-at", "-id"], name="audit_municipality_at_id"),
            models.Index(fields=["participant_id", "-at"]),
            models.Index(fields=["user", "-at"]),
        ]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user_email} {self.action} {self.object_type}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries are append-only.")


class FieldChange(models.Model):
    """One changed field of a participant-related record: from what, to what, by whom."""

    changed_at = models.DateTimeField(_("changed at"), default=timezone.now)
    changed_by = models.ForeignKey(
        User, verbose_name=_("changed by"), on_delete=models.PROTECT, null=True, related_name="+"
    )
    object_type = models.CharField(_("record"), max_length=50)
    object_id = models.CharField(_("record id"), max_length=40)
    participant_id = models.BigIntegerField(_("participant number"), null=True, db_index=True)
    field = models.CharField(_("field"), max_length=50)
    field_label = models.CharField(_("field name"), max_length=100)
    old_value = models.TextField(_("from"), blank=True)
    new_value = models.TextField(_("to"), blank=True)

    class Meta:
        verbose_name = _("field change")
        verbose_name_plural = _("field history")
        ordering = ["-changed_at", "-pk"]

    def __str__(self):
        return f"{self.object_type} {self.object_id}.{self.field}"


class SubmittedForm(models.Model):
    """A create form's one-time key, stored in the same transaction as what the form
    created: the unique (user, key) pair lets only one of two identical POSTs win, and the
    other is sent where the first one went (see vakwerk/idempotency.py)."""

    user = models.ForeignKey(User, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")  # fmt: skip
    key = models.CharField(_("form key"), max_length=64)
    path = models.CharField(_("form address"), max_length=500)
    result_url = models.CharField(_("sent on to"), max_length=2000, blank=True)
    submitted_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("submitted form")
        verbose_name_plural = _("submitted forms")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_submitted_form")
        ]

    def __str__(self):
        return f"{self.path} ({self.submitted_at:%Y-%m-%d %H:%M})"


# Jobs that make files: reports and research exports


class JobStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class FailureReason(models.TextChoices):
    """Why a job failed, in words a user can act on. The technical details (exception,
    paths) go to the log only."""

    ERROR = "error", _("An unexpected error occurred. The details are in the server log.")
    TIME_LIMIT = "time_limit", _("It took longer than allowed and was stopped.")
    STORAGE = "storage", _("The file could not be stored (the disk may be full).")
    WORKER_LOST = "worker_lost", _("The worker stopped several times while making it.")
    PROJECT_ENDED = "project_ended", _("The research project has ended.")
    NOT_ALLOWED = "not_allowed", _("The requester is no longer a researcher of the project.")


class BackgroundJob(models.Model):
    """What every file-making job records so that the row itself is the request: a
    periodic job (vakwerk.jobs.recover_stalled_jobs) sends again whatever the queue
    lost or a dead worker left behind."""

    # Last time it entered the queue (request, retry or re-send), and last time the
    # broker accepted it: a send that failed leaves sent_at before queued_at.
    queued_at = models.DateTimeField(_("queued at"), default=timezone.now)
    sent_at = models.DateTimeField(_("sent to the queue at"), null=True, blank=True)
    resends = models.PositiveSmallIntegerField(_("sent again"), default=0)
    # Each start by a worker claims the row with the next attempt number; only that
    # attempt may store the file.
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    heartbeat_at = models.DateTimeField(_("last sign of life"), null=True, blank=True)
    failure = models.CharField(
        _("reason of failure"), max_length=20, choices=FailureReason.choices, blank=True
    )

    class Meta:
        abstract = True

    @property
    def waits_for_queue(self):
        """Queued, and the last attempt to hand it to the broker failed."""
        return self.status == JobStatus.QUEUED and (
            self.sent_at is None or self.sent_at < self.queued_at
        )

    @property
    def waits_long(self):
        """Queued for longer than a worker needs to pick it up."""
        waited = timezone.now() - self.queued_at
        return self.status == JobStatus.QUEUED and (
            waited.total_seconds() >= settings.VAKWERK_JOB_RESEND_SECONDS
        )

    @property
    def retryable(self):
        return self.status == JobStatus.FAILED or self.waits_long
