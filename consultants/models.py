from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from participants.models import Participant
from vakwerk.choice_labels import ChoiceLabels
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


# Built once, not for each session on a participant's timeline (`Theme.choices` makes a new
# list on every access); the labels stay lazy, so each request words them in its language.
_THEME_LABELS = dict(Theme.choices)


class CoachingSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Sessions of participants the user may see; notes are for consultants and
        managers only, and only those roles get any session at all."""
        if not user.is_authenticated or user.role not in (Role.CONSULTANT, Role.MANAGER):
            return self.none()
        return self.filter(participant__in=Participant.objects.for_user(user))


class CoachingSession(ChoiceLabels, models.Model):
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
        return [_THEME_LABELS.get(theme, theme) for theme in self.themes]


# --- Professional development: training, intervision and competencies -----------------

# Dutch names: the list is municipal reference data, stored and edited in Dutch.
DEFAULT_COMPETENCIES = [
    (
        "Oplossingsgericht werken",
        "Zoekt met de deelnemer naar wat wél werkt en zet kleine stappen naar werk.",
    ),
    (
        "Gespreksvaardigheid",
        "Voert motiverende, open gesprekken en sluit aan bij de taal van de deelnemer.",
    ),
    (
        "Netwerken met werkgevers",
        "Bouwt en onderhoudt contacten met werkgevers en het Werkgevers Service Punt.",
    ),
    (
        "Groepsdynamiek begeleiden",
        "Begeleidt workshops en benut wat deelnemers in een groep van elkaar leren.",
    ),
    (
        "Resultaatgerichtheid",
        "Stuurt op uitstroom naar werk en maakt afspraken concreet en toetsbaar.",
    ),
    (
        "Samenwerken",
        "Werkt samen met collega's, ketenpartners en opleidingsinstituten.",
    ),
    (
        "Reflectie en leren",
        "Reflecteert op het eigen handelen, vraagt feedback en benut intervisie.",
    ),
    (
        "Integriteit en privacy",
        "Gaat zorgvuldig om met persoonsgegevens en handelt volgens de beroepscode.",
    ),
]

# The roles that see the development records of a whole municipality.
OVERSEER_ROLES = (Role.MANAGER, Role.ADMIN)


def _visible_to(queryset, user, *, own, municipality_field):
    """Consultants see what `own` selects for them; managers and admins see their
    municipality's rows; every other role sees nothing."""
    if not user.is_authenticated or not user.municipality_id:
        return queryset.none()
    if user.role == Role.CONSULTANT:
        return queryset.filter(own(user), **{municipality_field: user.municipality_id})
    if user.role in OVERSEER_ROLES:
        return queryset.filter(**{municipality_field: user.municipality_id})
    return queryset.none()


class ConsultantProfileQuerySet(models.QuerySet):
    def for_user(self, user):
        return _visible_to(
            self,
            user,
            own=lambda me: models.Q(user=me),
            municipality_field="user__municipality_id",
        )


class ConsultantProfile(models.Model):
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.CASCADE,
        related_name="consultant_profile",
    )
    is_trainer = models.BooleanField(_("is a VAK trainer"), default=False)
    may_become_trainer = models.BooleanField(_("may become a VAK trainer"), default=False)

    objects = ConsultantProfileQuerySet.as_manager()

    class Meta:
        verbose_name = _("consultant profile")
        verbose_name_plural = _("consultant profiles")

    def __str__(self):
        return str(self.user)


class TrainingKind(models.TextChoices):
    VAK_COURSE = "vak_course", _("Post-hbo VAK course")
    REFRESHER = "refresher", _("Refresher course")
    OTHER = "other", _("Other training")


class TrainingRecordQuerySet(models.QuerySet):
    def for_user(self, user):
        return _visible_to(
            self,
            user,
            own=lambda me: models.Q(consultant=me),
            municipality_field="consultant__municipality_id",
        )


class TrainingRecord(models.Model):
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.CASCADE,
        related_name="training_records",
        limit_choices_to={"role": Role.CONSULTANT},
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TrainingKind.choices)
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("For refresher courses and other training: what it was about."),
    )
    provider = models.CharField(_("provider"), max_length=200)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    completed = models.BooleanField(_("completed"), default=False)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = TrainingRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("training record")
        verbose_name_plural = _("training records")
        ordering = ["-started_on", "-pk"]
        indexes = [models.Index(fields=["consultant", "kind", "completed"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="training_ends_after_start",
                violation_error_message=_("A training cannot end before it starts."),
            ),
        ]

    def __str__(self):
        return f"{self.get_kind_display()} · {self.consultant}"

    def clean(self):
        super().clean()
        if self.completed and not self.ended_on:
            raise ValidationError(
                {"ended_on": _("Enter the date on which the completed training ended.")}
            )


class IntervisionFocus(models.TextChoices):
    PROFESSIONALISM = "professionalism", _("Professionalism")
    RESULTS = "results", _("Results")


class IntervisionSessionQuerySet(models.QuerySet):
    def for_user(self, user):
        """Consultants see the sessions they attended or facilitated."""

        def own(me):
            attended = IntervisionSession.attendees.through.objects.filter(
                intervisionsession=models.OuterRef("pk"), user=me
            )
            return models.Exists(attended) | models.Q(facilitator=me)

        return _visible_to(self, user, own=own, municipality_field="municipality_id")


class IntervisionSession(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="intervision_sessions",
    )
    held_on = models.DateField(_("date"))
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("facilitator"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intervision_sessions_facilitated",
    )
    facilitator_name = models.CharField(
        _("external facilitator"),
        max_length=200,
        blank=True,
        help_text=_("Only when the facilitator has no account in VAKwerk."),
    )
    attendees = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("attendees"),
        related_name="intervision_sessions",
        limit_choices_to={"role": Role.CONSULTANT},
    )
    focus = models.CharField(_("focus"), max_length=20, choices=IntervisionFocus.choices)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = IntervisionSessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("intervision session")
        verbose_name_plural = _("intervision sessions")
        ordering = ["-held_on", "-pk"]
        indexes = [models.Index(fields=["municipality", "-held_on"])]

    def __str__(self):
        return f"{self.get_focus_display()} · {self.held_on}"

    @property
    def facilitator_display(self):
        return str(self.facilitator) if self.facilitator_id else self.facilitator_name


class CompetencyQuerySet(models.QuerySet):
    def for_user(self, user):
        # Reference data, not a personal record: consultants see the list they are assessed on.
        return _visible_to(
            self, user, own=lambda me: models.Q(), municipality_field="municipality_id"
        )

    def active(self):
        return self.filter(active=True)


class Competency(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="competencies",
    )
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    active = models.BooleanField(
        _("active"),
        default=True,
        help_text=_("Inactive competencies are no longer assessed; earlier scores remain."),
    )

    objects = CompetencyQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency")
        verbose_name_plural = _("competencies")
        ordering = ["position", "name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "name"],
                name="unique_competency_name",
                violation_error_message=_("A competency with this name already exists."),
            )
        ]

    def __str__(self):
        return self.name


class CompetencyAssessmentQuerySet(models.QuerySet):
    def for_user(self, user):
        return _visible_to(
            self,
            user,
            own=lambda me: models.Q(consultant=me),
            municipality_field="consultant__municipality_id",
        )


class CompetencyAssessment(models.Model):
    consultant = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("consultant"),
        on_delete=models.CASCADE,
        related_name="competency_assessments",
        limit_choices_to={"role": Role.CONSULTANT},
    )
    assessed_on = models.DateField(_("assessed on"))
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assessor"),
        on_delete=models.PROTECT,
        related_name="competency_assessments_made",
    )
    created_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = CompetencyAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency assessment")
        verbose_name_plural = _("competency assessments")
        ordering = ["-assessed_on", "-pk"]
        indexes = [models.Index(fields=["consultant", "-assessed_on"])]

    def __str__(self):
        return f"{self.consultant} · {self.assessed_on}"

    @property
    def average(self):
        """From the (prefetched) scores; the team overview computes it in SQL instead."""
        scores = [row.score for row in self.scores.all()]
        return sum(scores) / len(scores) if scores else None


class Score(models.IntegerChoices):
    INSUFFICIENT = 1, _("1 · Insufficient")
    DEVELOPING = 2, _("2 · Developing")
    ADEQUATE = 3, _("3 · Adequate")
    GOOD = 4, _("4 · Good")
    EXCELLENT = 5, _("5 · Excellent")


class CompetencyScoreQuerySet(models.QuerySet):
    def for_user(self, user):
        return _visible_to(
            self,
            user,
            own=lambda me: models.Q(assessment__consultant=me),
            municipality_field="assessment__consultant__municipality_id",
        )


class CompetencyScore(models.Model):
    assessment = models.ForeignKey(
        CompetencyAssessment,
        verbose_name=_("assessment"),
        on_delete=models.CASCADE,
        related_name="scores",
    )
    competency = models.ForeignKey(
        Competency,
        verbose_name=_("competency"),
        on_delete=models.PROTECT,
        related_name="scores",
    )
    score = models.PositiveSmallIntegerField(
        _("score"),
        choices=Score.choices,
        validators=[MinValueValidator(Score.INSUFFICIENT), MaxValueValidator(Score.EXCELLENT)],
    )

    objects = CompetencyScoreQuerySet.as_manager()

    class Meta:
        verbose_name = _("competency score")
        verbose_name_plural = _("competency scores")
        ordering = ["competency__position", "competency__name", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["assessment", "competency"], name="unique_score_per_competency"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=1, score__lte=5), name="score_between_1_and_5"
            ),
        ]

    def __str__(self):
        return f"{self.competency}: {self.score}"


# --- Reminders: the personal calendar feed and the weekly mail ---------------------------


class CalendarFeedToken(models.Model):
    """The secret in a consultant's calendar-feed URL. Only its SHA-256 is stored: the
    token itself is shown once, when it is made, so a copy of the database opens no feed.
    One per user; making a new one replaces (and so revokes) the old."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="calendar_feed_token",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created"))

    class Meta:
        verbose_name = _("calendar feed link")
        verbose_name_plural = _("calendar feed links")

    def __str__(self):
        return str(self.user)


class WeeklyReminder(models.Model):
    """That a consultant's weekly reminder of one week was sent: the task claims this row
    before sending, so a task delivered twice sends one mail."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    week_start = models.DateField(_("week starting"))
    sent_at = models.DateTimeField(_("sent at"))

    class Meta:
        verbose_name = _("weekly reminder")
        verbose_name_plural = _("weekly reminders")
        constraints = [
            models.UniqueConstraint(fields=["user", "week_start"], name="unique_weekly_reminder")
        ]

    def __str__(self):
        return f"{self.user} · {self.week_start}"
