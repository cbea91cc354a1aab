from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role


class SessionKind(models.TextChoices):
    INDIVIDUAL = "individual", _("Individual")
    GROUP = "group", _("Group workshop")
    REMOTE = "remote", _("Phone or video")
    WORKPLACE = "workplace", _("At the workplace")


class Theme(models.TextChoices):
    KNOWLEDGE = "knowledge", _("Knowledge")
    SKILLS = "skills", _("Skills")
    BEHAVIOUR = "behaviour", _("Behaviour")
    INTERVIEW = "interview", _("Job-interview training")
    DIGITAL = "digital", _("Digital skills")
    NETWORK = "network", _("Network")
    CV = "cv", _("CV / talent profile")


class CoachingSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Sessions of participants the user may see; notes are for consultants and
        managers only, and only those roles get any session at all."""
        from participants.models import Participant

        if not user.is_authenticated or user.role not in (Role.CONSULTANT, Role.MANAGER):
            return self.none()
        return self.filter(participant__in=Participant.objects.for_user(user))


class CoachingSession(models.Model):
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.PROTECT,
        related_name="coaching_sessions",
    )
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.CASCADE,
        related_name="coaching_sessions",
    )
    meeting = models.ForeignKey(
        "participants.CohortMeeting",
        verbose_name=_("workshop meeting"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coaching_sessions",
    )
    held_on = models.DateField(_("date"))
    minutes = models.PositiveSmallIntegerField(
        _("duration (minutes)"), validators=[MinValueValidator(5), MaxValueValidator(480)]
    )
    kind = models.CharField(
        _("kind"), max_length=20, choices=SessionKind.choices, default=SessionKind.INDIVIDUAL
    )
    themes = models.JSONField(_("themes"), default=list, blank=True)
    notes = models.TextField(_("confidential notes"), blank=True)
    agreed_actions = models.TextField(_("agreed actions"), blank=True)
    next_appointment = models.DateTimeField(_("next appointment"), null=True, blank=True)
    created_at = models.DateTimeField(_("logged at"), auto_now_add=True)

    objects = CoachingSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("coaching session")
        verbose_name_plural = _("coaching sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [
            models.Index(fields=["participant", "-held_on"]),
            models.Index(fields=["consultant", "next_appointment"]),
        ]

    def __str__(self):
        return f"{self.participant} · {self.held_on}"

    def get_themes_display(self):
        labels = dict(Theme.choices)
        return [labels.get(theme, theme) for theme in self.themes]
