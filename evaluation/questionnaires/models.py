"""Stakeholders and questionnaires: who is asked, what, and what they answered."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from vakwerk.roles import Role

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
        db_table = "evaluation_stakeholder"
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
        db_table = "evaluation_questionnaire"
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
        db_table = "evaluation_question"
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
        db_table = "evaluation_invitation"
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
        db_table = "evaluation_response"
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
        db_table = "evaluation_answer"
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.UniqueConstraint(fields=["response", "question"], name="unique_answer")
        ]

    def __str__(self):
        return f"{self.question}: {self.number or self.choice or self.text}"
