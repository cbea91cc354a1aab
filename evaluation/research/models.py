"""Research projects and their pseudonymised exports."""

import secrets

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk.models import BackgroundJob, JobStatus
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
    # Disclosure control (evaluation/research/disclosure.py, `measure`): every export
    # generalises the quasi-identifiers until each combination is shared by at least this
    # many people.
    k_threshold = models.PositiveSmallIntegerField(
        _("smallest group in an export (k)"),
        default=5,
        validators=[MinValueValidator(1)],
        help_text=_(
            "Every combination of quasi-identifiers in an export is shared by at least this "
            "many participants. 5 unless the agreement says otherwise."
        ),
    )
    # Quasi-identifiers (names in research.column_privacy.QUASI_IDENTIFIERS) the agreement
    # allows in full detail; they are never generalised, others give way instead.
    detail_allowed = models.JSONField(
        _("quasi-identifiers in full detail (per the agreement)"), default=list, blank=True
    )

    objects = ResearchProjectQuerySet.as_manager()

    class Meta:
        db_table = "evaluation_researchproject"
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["-valid_until", "name"]

    def __str__(self):
        return self.name

    def own_programmes(self):
        """The project's programmes of its own municipality: every export reads through
        this, so a programme of another municipality attached by mistake exports nothing."""
        return self.programmes.filter(municipality_id=self.municipality_id)


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
    # The disclosure report the file was written under (DisclosureReport.summary in
    # research/disclosure.py).
    k_anonymity = models.PositiveIntegerField(_("smallest group (k)"), null=True, blank=True)
    unique_participants = models.PositiveIntegerField(_("unique"), null=True, blank=True)
    suppressed_participants = models.PositiveIntegerField(_("left out"), null=True, blank=True)
    k_threshold = models.PositiveSmallIntegerField(_("threshold (k)"), null=True, blank=True)
    generalisation = models.JSONField(_("generalisation"), default=dict, blank=True)

    objects = ResearchExportQuerySet.as_manager()

    class Meta:
        db_table = "evaluation_researchexport"
        verbose_name = _("research export")
        verbose_name_plural = _("research exports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.project} {self.get_format_display()} {self.requested_at:%Y-%m-%d}"
