"""Monitoring and savings reports (PDF files made in the background)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk.models import BackgroundJob, JobStatus
from vakwerk.roles import Role


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
        db_table = "evaluation_report"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.get_kind_display()} {self.programme}"

    @property
    def is_monthly(self):
        """Made by the monthly run (make_monthly_reports), not asked for by a manager."""
        return self.requested_by_id is None and self.period_start is None
