from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role

kvk_validator = RegexValidator(
    r"^\d{8}$", _("A KvK number has exactly eight digits."), code="invalid_kvk"
)

# Municipal roles that work with employers and their opportunities.
MUNICIPAL_ROLES = frozenset({Role.WSP, Role.MANAGER, Role.CONSULTANT, Role.ADMIN})


class Stage(models.TextChoices):
    PROSPECT = "prospect", _("Prospect")
    ENGAGED = "engaged", _("Engaged")
    PARTNER = "partner", _("Partner")


class EmployerQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.EMPLOYER:
            return self.filter(pk=user.employer_id)
        if user.role in MUNICIPAL_ROLES:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class Employer(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="employers",
    )
    name = models.CharField(_("name"), max_length=200)
    kvk_number = models.CharField(_("KvK number"), max_length=8, validators=[kvk_validator])
    sector = models.CharField(_("sector"), max_length=100, blank=True)
    stage = models.CharField(
        _("relationship stage"), max_length=20, choices=Stage.choices, default=Stage.PROSPECT
    )

    objects = EmployerQuerySet.as_manager()

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        ordering = ["name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "kvk_number"], name="unique_employer_kvk"
            )
        ]

    def __str__(self):
        return self.name


class OpportunityKind(models.TextChoices):
    VACANCY = "vacancy", _("Vacancy")
    LEARNING_PLACE = "learning_place", _("Learning/work place")
    JOB_INTENTION = "job_intention", _("Job intention")


class OpportunityStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    CONFIRMED = "confirmed", _("Confirmed by the WSP")
    FILLED = "filled", _("Filled")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    EXPIRED = "expired", _("Expired")


class OpportunityQuerySet(models.QuerySet):
    def for_user(self, user):
        if not user.is_authenticated:
            return self.none()
        if user.role == Role.EMPLOYER:
            return self.filter(employer_id=user.employer_id)
        if user.role in MUNICIPAL_ROLES:
            return self.filter(employer__municipality_id=user.municipality_id)
        return self.none()


class Opportunity(models.Model):
    employer = models.ForeignKey(
        Employer,
        verbose_name=_("employer"),
        on_delete=models.CASCADE,
        related_name="opportunities",
    )
    kind = models.CharField(_("kind"), max_length=20, choices=OpportunityKind.choices)
    title = models.CharField(_("title"), max_length=200)
    positions = models.PositiveSmallIntegerField(_("positions"), default=1)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=OpportunityStatus.choices,
        default=OpportunityStatus.DRAFT,
    )
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = OpportunityQuerySet.as_manager()

    class Meta:
        verbose_name = _("opportunity")
        verbose_name_plural = _("opportunities")
        ordering = ["-pk"]

    def __str__(self):
        return self.title
