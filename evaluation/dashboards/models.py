"""Evaluation sessions of a programme and their actions for the next programme."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from evaluation.questionnaires.models import Stakeholder
from vakwerk.models import Phase, ProgrammeQuerySet

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
        db_table = "evaluation_evaluationsession"
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
        db_table = "evaluation_evaluationaction"
        verbose_name = _("action for the next programme")
        verbose_name_plural = _("actions for the next programme")
        ordering = ["pk"]

    def __str__(self):
        return self.description
