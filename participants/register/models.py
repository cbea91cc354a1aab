"""The benefit register: the municipality's whole benefit population, as imported
snapshots, kept as one row per person and one per benefit spell.

A person is known only by a keyed hash of their BSN (`bsn_hash`): HMAC-SHA256 with
`settings.BENEFIT_REGISTER_HASH_KEY`, mixed with the municipality, so the same BSN gives
another hash in another municipality and nobody without the key can test a BSN against
it. The BSN itself is never stored, shown or logged. A person who is a participant is
linked to their Participant (recognised by the BSN at the import), not registered twice.

A spell runs from `started_on` to `ended_on` (the last day with benefit; empty while it
runs). An end comes from the file (end date and reason) or from absence: a person whose
spell was open and who is missing from a later snapshot left benefit before that
snapshot's date; the spell then ends the day before it, without a reason
(`ended_unseen`). `first_seen_on` and `end_recorded_on` are the dates of the snapshots
that recorded the spell and its end, so figures "as of" a date read only what was known
by then.
"""

import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from participants.models import BenefitEndReason, BenefitType
from vakwerk.models import BackgroundJob, JobStatus
from vakwerk.roles import Role

# Who may import snapshots and read the net effect: the register is the whole benefit
# population, not a caseload.
REGISTER_ROLES = (Role.MANAGER, Role.ADMIN)


def bsn_hash(municipality_id, bsn):
    """The keyed hash a person is known by in one municipality's register."""
    key = settings.BENEFIT_REGISTER_HASH_KEY.encode()
    message = f"{municipality_id}:{bsn}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


class MunicipalityScopedQuerySet(models.QuerySet):
    def for_user(self, user):
        """Managers and admins: their own municipality's register. Every other role and
        every other municipality: nothing."""
        if (
            not user.is_authenticated
            or not user.municipality_id
            or user.role not in REGISTER_ROLES
        ):
            return self.none()
        return self.filter(municipality_id=user.municipality_id)


class RegisterSnapshot(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality",
        verbose_name=_("municipality"),
        on_delete=models.PROTECT,
        related_name="register_snapshots",
    )
    taken_on = models.DateField(_("reference date"))
    imported_at = models.DateTimeField(_("imported at"), auto_now_add=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    people = models.PositiveIntegerField(_("people in the file"), default=0)
    new_people = models.PositiveIntegerField(_("new in the register"), default=0)
    participants = models.PositiveIntegerField(_("recognised as participants"), default=0)
    ended_in_file = models.PositiveIntegerField(_("ended according to the file"), default=0)
    left_unseen = models.PositiveIntegerField(_("missing since the previous snapshot"), default=0)

    objects = MunicipalityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit register snapshot")
        verbose_name_plural = _("benefit register snapshots")
        ordering = ["-taken_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "taken_on"], name="unique_register_snapshot_date"
            )
        ]

    def __str__(self):
        return f"{self.municipality} {self.taken_on}"


class RegisterPerson(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.PROTECT, related_name="register_people"
    )
    # Null once anonymised (retention): the rows stay as figures, nobody can be found.
    bsn_hash = models.CharField(max_length=64, null=True, editable=False)
    birth_year = models.PositiveSmallIntegerField(_("birth year"))
    participant = models.ForeignKey(
        "participants.Participant",
        verbose_name=_("participant"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="register_entries",
    )
    anonymised_at = models.DateTimeField(null=True, blank=True)

    objects = MunicipalityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("person in the benefit register")
        verbose_name_plural = _("people in the benefit register")
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "bsn_hash"], name="unique_register_person"
            )
        ]
        # The few people linked to a participant, read by every net-effect page (the
        # stored pools' fingerprint), without visiting the whole register.
        indexes = [
            models.Index(
                fields=["municipality", "id", "participant"],
                condition=models.Q(participant__isnull=False),
                name="register_person_linked",
            )
        ]

    def __str__(self):
        return f"#{self.pk}"


class BenefitSpell(models.Model):
    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey(RegisterPerson, on_delete=models.CASCADE, related_name="spells")
    benefit_type = models.CharField(_("benefit"), max_length=20, choices=BenefitType.choices)
    started_on = models.DateField(_("benefit since"))
    ended_on = models.DateField(_("benefit ended on"), null=True, blank=True)
    end_reason = models.CharField(
        _("reason the benefit ended"), max_length=20, choices=BenefitEndReason.choices, blank=True
    )
    ended_unseen = models.BooleanField(_("missing from a later snapshot"), default=False)
    first_seen_on = models.DateField(_("first in the snapshot of"))
    last_seen_on = models.DateField(_("last in the snapshot of"))
    end_recorded_on = models.DateField(_("end recorded in the snapshot of"), null=True)

    objects = MunicipalityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit spell")
        verbose_name_plural = _("benefit spells")
        indexes = [
            models.Index(
                fields=["municipality", "benefit_type", "started_on"],
                name="register_spell_pool",
            ),
            models.Index(fields=["municipality", "ended_on"], name="register_spell_open"),
        ]

    def __str__(self):
        return f"#{self.person_id} {self.benefit_type} {self.started_on}"


class ImportStage(models.TextChoices):
    CHECK = "check", _("Being checked")
    CHECKED = "checked", _("Checked, waiting for confirmation")
    IMPORT = "import", _("Being stored")
    STORED = "stored", _("Stored")
    REFUSED = "refused", _("Refused")
    CANCELLED = "cancelled", _("Cancelled")


class SnapshotImport(BackgroundJob):
    """The import of one snapshot file, run as a durable background job (vakwerk/jobs.py)
    in two runs: the check (every row read and validated, the preview's figures and row
    errors kept here) and, after the manager confirms, the store. The uploaded file waits
    in private storage under `file_name` until the snapshot is stored, cancelled or
    refused; it holds BSNs, so nothing of it is copied into this row but row numbers and
    messages that quote no BSN."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    taken_on = models.DateField(_("reference date"))
    status = models.CharField(
        _("status"), max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED
    )
    stage = models.CharField(
        _("stage"), max_length=10, choices=ImportStage.choices, default=ImportStage.CHECK
    )
    file_name = models.CharField(max_length=200, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    # The kind of exception only; its message and traceback go to the log.
    error = models.TextField(_("error"), blank=True)
    rows = models.PositiveIntegerField(_("rows"), default=0)
    # The preview's figures (SnapshotPreview), the whole file's refusals and the rows in
    # error ([row number, [messages]], the first ROW_ERRORS_KEPT of them).
    summary = models.JSONField(default=dict, blank=True)
    file_errors = models.JSONField(default=list, blank=True)
    row_errors = models.JSONField(default=list, blank=True)
    error_rows = models.PositiveIntegerField(_("rows with an error"), default=0)
    snapshot = models.OneToOneField(
        RegisterSnapshot, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )

    objects = MunicipalityScopedQuerySet.as_manager()

    class Meta:
        verbose_name = _("benefit register import")
        verbose_name_plural = _("benefit register imports")
        ordering = ["-requested_at", "-pk"]

    def __str__(self):
        return f"{self.municipality_id} {self.taken_on} ({self.stage})"

    @property
    def has_errors(self):
        return bool(self.file_errors or self.error_rows)

    @property
    def can_confirm(self):
        return (
            self.status == JobStatus.DONE
            and self.stage == ImportStage.CHECKED
            and self.rows > 0
            and not self.has_errors
        )

    @property
    def can_cancel(self):
        return self.stage in (ImportStage.CHECKED, ImportStage.REFUSED) or (
            self.status == JobStatus.FAILED and self.stage != ImportStage.STORED
        )


class ComparisonPool(models.Model):
    """A stored comparison pool of the net effect (`selectors.compute_pools`): its size, how many
    of it were off benefit for work at the due date, and how many ended without a reason,
    for one stratum, as the register stood at `known_on` (the latest snapshot when it was
    computed).

    Computing the pools is the heavy part of the net effect (seconds for a large
    municipality), so a background job computes them after each snapshot import and when
    a participant change moved them (`services.refresh_comparison_pools`), and the pages
    read them. A row is valid only for the `fingerprint` it was computed under: a digest of
    everything a pool depends on besides the spells of snapshots up to `known_on` (every
    snapshot of the municipality, and each register person's participant with its
    enrolment date and comparison-group flag; `selectors.pool_fingerprint_sql`). A page
    whose fingerprint finds no row for a stratum computes that stratum itself, so a figure
    never comes from a stale pool. `size` 0: computed, and nobody in the register shares
    the stratum."""

    municipality = models.ForeignKey(
        "vakwerk.Municipality", on_delete=models.CASCADE, related_name="+"
    )
    fingerprint = models.CharField(max_length=32)
    known_on = models.DateField()
    enrolled_on = models.DateField()
    due_on = models.DateField()
    benefit_type = models.CharField(max_length=20, choices=BenefitType.choices)
    target_group = models.CharField(max_length=20)
    band = models.CharField(max_length=10)
    size = models.PositiveIntegerField()
    off_for_work = models.PositiveIntegerField()
    ended_unknown = models.PositiveIntegerField()
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("comparison pool")
        verbose_name_plural = _("comparison pools")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "municipality",
                    "fingerprint",
                    "known_on",
                    "enrolled_on",
                    "due_on",
                    "benefit_type",
                    "target_group",
                    "band",
                ],
                name="unique_comparison_pool",
            )
        ]

    def __str__(self):
        return f"{self.municipality_id} {self.known_on} {self.enrolled_on}→{self.due_on}"
