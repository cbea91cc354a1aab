import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk.models import Phase, ProgrammeQuerySet
from vakwerk.roles import Role


def _new_secret():
    return secrets.token_hex(32)


class ResearchProjectQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.RESEARCHER:
            return self.filter(researchers=user)
        if user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class ResearchProject(models.Model):
    """An evaluation study; its researchers may export pseudonymised data of its
    programmes (the export builder arrives with the evaluation issue)."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="research_projects",
    )
    name = models.CharField(_("name"), max_length=200)
    institution = models.CharField(_("institution"), max_length=200)
    agreement_reference = models.CharField(_("agreement reference"), max_length=100)
    valid_until = models.DateField(_("valid until"))
    programmes = models.ManyToManyField(
        "vakwerk.Programme", verbose_name=_("programmes"), related_name="research_projects"
    )
    researchers = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("researchers"),
        related_name="research_projects",
        blank=True,
    )
    # Keys the pseudonyms and date offsets of this project: stable within it, unlinkable
    # across projects. Never shown, never exported.
    secret = models.CharField(max_length=64, default=_new_secret, editable=False)
    export_retention_days = models.PositiveSmallIntegerField(
        _("export files are kept (days)"), default=14
    )
    # Disclosure control (evaluation/research.py, `measure`): every export generalises the
    # quasi-identifiers until each combination is shared by at least this many people.
    k_threshold = models.PositiveSmallIntegerField(
        _("smallest group in an export (k)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Every combination of quasi-identifiers in an export is shared by at least this "
            "many participants. 5 unless the agreement says otherwise."
        ),
    )
    # Quasi-identifiers (research.QUASI_IDENTIFIERS names) the agreement allows in full
    # detail; they are never generalised, others give way instead.
    detail_allowed = models.JSONField(
        _("quasi-identifiers in full detail (per the agreement)"), default=list, blank=True
    )

    objects = ResearchProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["-valid_until", "name"]

    def __str__(self):
        return self.name

    def own_programmes(self):
        """The project's programmes of its own municipality: every export reads through
        this, so a programme of another municipality attached by mistake exports nothing."""
        return self.programmes.filter(municipality_id=self.municipality_id)


# Stakeholders


class StakeholderKind(models.TextChoices):
    MUNICIPALITY = "municipality", _("Municipality")
    BUSINESS = "business", _("Business")
    EDUCATION = "education", _("Educational institution")
    AGENCY = "agency", _("Employment agency")


class StakeholderRole(models.TextChoices):
    INFORMATION = "information", _("Information")
    INFLUENCE = "influence", _("Influence")
    INTERVENTION = "intervention", _("Intervention")


class StakeholderQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN, Role.CONSULTANT):
            return self.filter(programme__municipality_id=user.municipality_id)
        return self.none()


class Stakeholder(models.Model):
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="stakeholders",
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=StakeholderKind.choices)
    role = models.CharField(_("role"), max_length=20, choices=StakeholderRole.choices)
    steering_group = models.BooleanField(_("in the steering group"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_email = models.EmailField(_("e-mail address"), blank=True)

    objects = StakeholderQuerySet.as_manager()

    class Meta:
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        ordering = ["-steering_group", "name", "pk"]

    def __str__(self):
        return self.name


# Questionnaires


class Audience(models.TextChoices):
    STAKEHOLDERS = "stakeholders", _("Stakeholders")
    CONSULTANTS = "consultants", _("Consultants")
    PARTICIPANTS = "participants", _("Participants")


class Wave(models.TextChoices):
    BASELINE = "baseline", _("Baseline")
    FINAL = "final", _("Final")


class QuestionnaireQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(programme__municipality_id=user.municipality_id)
        return self.none()


class Questionnaire(models.Model):
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="questionnaires",
    )
    title = models.CharField(_("title"), max_length=200)
    audience = models.CharField(_("for"), max_length=20, choices=Audience.choices)
    wave = models.CharField(_("wave"), max_length=10, choices=Wave.choices)
    introduction = models.TextField(_("introduction"), blank=True)
    closes_on = models.DateField(_("closes on"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = QuestionnaireQuerySet.as_manager()

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")
        ordering = ["-created_at", "pk"]

    def __str__(self):
        return self.title


class QuestionKind(models.TextChoices):
    LIKERT = "likert", _("Likert scale 1–5")
    CHOICE = "choice", _("Single choice")
    NUMBER = "number", _("Number")
    TEXT = "text", _("Open text")


class Question(models.Model):
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="questions"
    )
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    text = models.CharField(_("question"), max_length=500)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    choices = models.JSONField(_("choices"), default=list, blank=True)
    required = models.BooleanField(_("required"), default=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.text


class Invitation(models.Model):
    """A personal, single-use link. Only a hash of the token is stored: whoever reads the
    database cannot answer in someone else's name."""

    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="invitations"
    )
    token_hash = models.CharField(max_length=64, unique=True)
    email = models.EmailField(_("e-mail address"))
    participant = models.ForeignKey(
        "participants.Participant", on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    stakeholder = models.ForeignKey(
        Stakeholder, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("answered at"), null=True, blank=True)

    class Meta:
        verbose_name = _("invitation")
        verbose_name_plural = _("invitations")
        ordering = ["-sent_at", "pk"]

    def __str__(self):
        return f"{self.questionnaire} → {self.email}"


class Response(models.Model):
    invitation = models.OneToOneField(
        Invitation, on_delete=models.CASCADE, related_name="response"
    )
    questionnaire = models.ForeignKey(
        Questionnaire, on_delete=models.CASCADE, related_name="responses"
    )
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"{self.questionnaire} #{self.pk}"


class Answer(models.Model):
    response = models.ForeignKey(Response, on_delete=models.CASCADE, related_name="answers")
    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="answers")
    number = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    choice = models.CharField(max_length=200, blank=True)
    text = models.TextField(blank=True)

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="unique_answer")
        ]

    def __str__(self):
        return f"{self.question}: {self.number or self.choice or self.text}"


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
    periodic job (evaluation.jobs.recover_stalled_jobs) sends again whatever the queue
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


class ReportKind(models.TextChoices):
    MONITORING = "monitoring", _("Monitoring report")
    SAVINGS = "savings", _("Savings report")


class ReportQuerySet(models.QuerySet):
    def for_user(self, user):
        if user.is_authenticated and user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(programme__municipality_id=user.municipality_id)
        return self.none()


class Report(BackgroundJob):
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="reports",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=ReportKind.choices)
    period_start = models.DateField(_("period from"), null=True, blank=True)
    period_end = models.DateField(_("period until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
        related_name="+",
    )  # fmt: skip
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    # The kind of exception only, for the admin; its message and traceback go to the log.
    error = models.TextField(_("error"), blank=True)

    objects = ReportQuerySet.as_manager()

    class Meta:
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.programme}"


class ExportFormat(models.TextChoices):
    CSV = "csv", _("CSV (zip with codebook)")
    XLSX = "xlsx", _("Excel")
    SPSS = "sav", _("SPSS (.sav)")
    STATA = "dta", _("Stata (.dta)")


class ResearchExportQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.RESEARCHER:
            return self.filter(project__researchers=user)
        if user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(project__municipality_id=user.municipality_id)
        return self.none()


class ResearchExport(BackgroundJob):
    project = models.ForeignKey(ResearchProject, on_delete=models.CASCADE, related_name="exports")
    tables = models.JSONField(_("tables"), default=list)
    format = models.CharField(_("format"), max_length=5, choices=ExportFormat.choices)
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    sha256 = models.CharField(_("file hash (SHA-256)"), max_length=64, blank=True)
    file_name = models.CharField(max_length=200, blank=True)
    # The kind of exception only, for the admin; its message and traceback go to the log.
    error = models.TextField(_("error"), blank=True)
    # The disclosure report the file was written under (research.DisclosureReport.summary).
    k_anonymity = models.PositiveIntegerField(_("smallest group (k)"), null=True, blank=True)
    unique_participants = models.PositiveIntegerField(_("unique"), null=True, blank=True)
    suppressed_participants = models.PositiveIntegerField(_("left out"), null=True, blank=True)
    k_threshold = models.PositiveSmallIntegerField(_("threshold (k)"), null=True, blank=True)
    generalisation = models.JSONField(_("generalisation"), default=dict, blank=True)

    objects = ResearchExportQuerySet.as_manager()

    class Meta:
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.project} {self.get_format_display()} {self.requested_at:%Y-%m-%d}"

    @property
    def table_titles(self):
        """The tables as the export builder names them, in the reader's language; a table
        that no longer exists keeps its code name."""
        from .research import TABLES

        return [str(TABLES[name].title) if name in TABLES else name for name in self.tables]


# Evaluation sessions (the plan's "verloop en knelpunten"): what stakeholders found in each
# phase, what got in the way, and what the next programme should do differently.


class EvaluationSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Whoever may open the programme page reads its sessions: the programme's roles
        (vakwerk.models.ProgrammeQuerySet.ROLES) of its municipality."""
        if not user.is_authenticated or user.role not in ProgrammeQuerySet.ROLES:
            return self.none()
        return self.filter(programme__municipality_id=user.municipality_id)

    def for_programme_page(self):
        """Attendees and actions in one query each, however many sessions there are."""
        return self.order_by("held_on", "pk").prefetch_related(
            models.Prefetch("attendees", queryset=Stakeholder.objects.order_by("name", "pk")),
            models.Prefetch("actions", queryset=EvaluationAction.objects.order_by("pk")),
        )


class EvaluationSession(models.Model):
    programme = models.ForeignKey(
        "vakwerk.Programme",
        verbose_name=_("programme"),
        on_delete=models.CASCADE,
        related_name="evaluation_sessions",
    )
    phase = models.CharField(_("phase"), max_length=20, choices=Phase.choices)
    held_on = models.DateField(_("date"))
    attendees = models.ManyToManyField(
        Stakeholder,
        verbose_name=_("attendees"),
        related_name="evaluation_sessions",
        blank=True,
    )
    findings = models.TextField(_("findings"), blank=True)
    bottlenecks = models.TextField(_("bottlenecks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="+"
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now)

    objects = EvaluationSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("evaluation session")
        verbose_name_plural = _("evaluation sessions")
        ordering = ["held_on", "pk"]

    def __str__(self):
        day = self.held_on.isoformat() if self.held_on else ""
        return f"{self.get_phase_display()} {day}".strip()

    @property
    def municipality_id(self):
        # For the audit trail, which files each write under a municipality.
        return self.programme.municipality_id


class ActionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class EvaluationAction(models.Model):
    """A lesson for the next programme: what to do, who takes it up, and whether it is
    done."""

    session = models.ForeignKey(
        EvaluationSession, on_delete=models.CASCADE, related_name="actions"
    )
    description = models.CharField(_("action"), max_length=500)
    who = models.CharField(_("who"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ActionStatus.choices, default=ActionStatus.OPEN
    )

    class Meta:
        verbose_name = _("action for the next programme")
        verbose_name_plural = _("actions for the next programme")
        ordering = ["pk"]

    def __str__(self):
        return self.description
