from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role


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


class ParticipantQuerySet(models.QuerySet):
    def for_user(self, user):
        """Consultants see their own caseload; managers and admins their municipality."""
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.CONSULTANT:
            return self.filter(municipality_id=user.municipality_id, consultant=user)
        if user.role in (Role.MANAGER, Role.ADMIN):
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class Participant(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="participants",
    )
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="caseload",
    )
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["last_name", "first_name", "pk"]
        indexes = [models.Index(fields=["municipality", "consultant", "status"])]

    def __str__(self):
        return f"{self.first_name} {self.last_name}"
