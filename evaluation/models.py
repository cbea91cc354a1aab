from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role


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

    objects = ResearchProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("research project")
        verbose_name_plural = _("research projects")
        ordering = ["-valid_until", "name"]

    def __str__(self):
        return self.name
