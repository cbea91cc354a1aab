"""Writes on the benefit register: a snapshot's import (all rows or none), run as a
durable background job (`SnapshotImport`), and retention."""

import datetime
import logging
import uuid
from functools import partial
from typing import NamedTuple

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.db import IntegrityError, connection, transaction
from django.db.models import Max, Min
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from participants import imports as participant_imports
from vakwerk import audit, jobs
from vakwerk.audit import AuditAction
from vakwerk.models import JobStatus, Municipality

from . import imports, selectors
from .imports import require_importer, validate_rows
from .models import (
    BenefitSpell,
    ComparisonPool,
    ImportStage,
    RegisterPerson,
    RegisterSnapshot,
    SnapshotImport,
)

logger = logging.getLogger(__name__)
UPLOAD_FOLDER = "register-imports"
# The preview lists this many rows in error; the count says how many there are in all.
ROW_ERRORS_KEPT = 500


class SnapshotResult(NamedTuple):
    snapshot: RegisterSnapshot
    people: int
    left: int


def import_snapshot(user, taken_on, rows):
    """Stores the snapshot of `taken_on`, all rows or none: with any row in error, or a
    reference date not after the latest snapshot, nothing is stored and ValidationError
    is raised. One snapshot per municipality and date (a unique constraint), so a
    repeated confirmation stores nothing twice."""
    require_importer(user)
    try:
        with transaction.atomic():
            # One import per municipality at a time: the "later than the latest" check and
            # the absent people's ends are decided against a register nobody else changes.
            Municipality.objects.select_for_update(no_key=True).filter(
                pk=user.municipality_id
            ).first()
            preview = validate_rows(user, taken_on, rows)
            if preview.has_errors:
                raise ValidationError(
                    preview.file_errors
                    or ngettext(
                        "%(count)s row has an error; nothing was imported.",
                        "%(count)s rows have an error; nothing was imported.",
                        len(preview.error_rows),
                    )
                    % {"count": len(preview.error_rows)},
                    code="rows_invalid",
                )
            return _store(user, taken_on, preview)
    except IntegrityError:
        raise ValidationError(
            _("A snapshot of this date was stored meanwhile. Check the register again."),
            code="conflict",
        ) from None


def _store(user, taken_on, preview):
    municipality_id = user.municipality_id
    rows = {row._hash: row for row in preview.rows}
    people = {
        person.bsn_hash: person
        for person in RegisterPerson.objects.filter(
            municipality_id=municipality_id, bsn_hash__in=list(rows)
        )
    }
    new = [
        RegisterPerson(
            municipality_id=municipality_id,
            bsn_hash=key,
            birth_year=row.values["birth_year"],
            participant_id=row.participant_id,
        )
        for key, row in rows.items()
        if key not in people
    ]
    RegisterPerson.objects.bulk_create(new)
    changed = []
    for person in people.values():
        row = rows[person.bsn_hash]
        if (person.birth_year, person.participant_id) != (
            row.values["birth_year"],
            row.participant_id or person.participant_id,
        ):
            person.birth_year = row.values["birth_year"]
            person.participant_id = row.participant_id or person.participant_id
            changed.append(person)
    RegisterPerson.objects.bulk_update(changed, ["birth_year", "participant"])
    if not all(person.pk for person in new):  # SQLite before 3.35 returns no ids
        people.update(
            (person.bsn_hash, person)
            for person in RegisterPerson.objects.filter(
                municipality_id=municipality_id, bsn_hash__in=[p.bsn_hash for p in new]
            )
        )
    else:
        people.update((person.bsn_hash, person) for person in new)

    spells = {}
    for spell in BenefitSpell.objects.filter(
        person_id__in=[person.pk for person in people.values()]
    ):
        spells.setdefault(spell.person_id, []).append(spell)
    to_create, to_update, seen = [], [], []
    for key, row in rows.items():
        _apply_row(people[key], row, spells.get(people[key].pk, []), taken_on, to_create,
                   to_update, seen)  # fmt: skip
    BenefitSpell.objects.bulk_create(to_create)
    # Most spells only continue: one UPDATE for them, the few that changed one by one in
    # bulk (bulk_update's CASE per row costs seconds for thousands of rows).
    BenefitSpell.objects.filter(pk__in=seen).update(last_seen_on=taken_on)
    BenefitSpell.objects.bulk_update(
        to_update,
        ["benefit_type", "ended_on", "end_reason", "ended_unseen", "end_recorded_on"],
    )
    # Whose spell was open and who is not in this file has left benefit since the previous
    # snapshot: by the day before this one at the latest; the file gives no reason.
    left = (
        BenefitSpell.objects.filter(municipality_id=municipality_id, ended_on__isnull=True)
        .exclude(person_id__in=[person.pk for person in people.values()])
        .update(
            ended_on=taken_on - datetime.timedelta(days=1),
            ended_unseen=True,
            end_recorded_on=taken_on,
        )
    )
    snapshot = RegisterSnapshot.objects.create(
        municipality_id=municipality_id,
        taken_on=taken_on,
        imported_by=user,
        people=len(rows),
        new_people=len(new),
        participants=preview.participants,
        ended_in_file=preview.ended_in_file,
        left_unseen=left,
    )
    audit.record(user, AuditAction.CREATE, obj=snapshot)
    # The new snapshot changes every pool's fingerprint: compute them again at once, so
    # that the net-effect pages need not.
    transaction.on_commit(lambda: _send_pool_refresh(municipality_id), robust=True)
    return SnapshotResult(snapshot, len(rows), left)


def _apply_row(person, row, spells, taken_on, to_create, to_update, seen):
    """The row's spell: the person's spell with the same start continues (and ends when
    the file says so); a new start is a new spell, and one still open from before ended
    the day before it (a change of benefit, or a return after a gap)."""
    start, end = row.values["benefit_start"], row.values["benefit_end"]
    reason = row.values.get("end_reason", "")
    same = next((spell for spell in spells if spell.started_on == start), None)
    if same is None:
        for spell in spells:
            if spell.ended_on is None and spell.started_on < start:
                spell.ended_on = start - datetime.timedelta(days=1)
                spell.end_recorded_on = taken_on
                to_update.append(spell)
        to_create.append(
            BenefitSpell(
                municipality_id=person.municipality_id,
                person=person,
                benefit_type=row.values["benefit_type"],
                started_on=start,
                ended_on=end,
                end_reason=reason if end else "",
                first_seen_on=taken_on,
                last_seen_on=taken_on,
                end_recorded_on=taken_on if end else None,
            )
        )
        return
    seen.append(same.pk)
    changed = same.benefit_type != row.values["benefit_type"]
    same.benefit_type = row.values["benefit_type"]
    if end and (same.ended_on is None or same.ended_unseen):
        # The file's end date and reason beat an end only inferred from absence.
        same.ended_on, same.end_reason, same.ended_unseen = end, reason, False
        same.end_recorded_on = taken_on
        changed = True
    elif end is None and same.ended_on is not None and same.ended_unseen:
        # Back in the file without an end: the absence was a gap in an export.
        same.ended_on, same.end_recorded_on, same.ended_unseen = None, None, False
        changed = True
    if changed:
        to_update.append(same)


# --- the import as a background job -----------------------------------------------------


def request_snapshot_import(user, taken_on, uploaded_file):
    """Keeps the uploaded file in private storage and queues its check. The file is not
    read here: a whole municipality's register takes longer than a web request may."""
    require_importer(user)
    participant_imports.check_size(uploaded_file, imports.SNAPSHOT_BOUNDS)
    extension = participant_imports._extension(uploaded_file.name)
    uploaded_file.seek(0)
    name = storages["private"].save(
        f"{UPLOAD_FOLDER}/{uuid.uuid4().hex}.{extension}", uploaded_file
    )
    job = SnapshotImport.objects.create(
        municipality_id=user.municipality_id, requested_by=user, taken_on=taken_on,
        file_name=name,
    )  # fmt: skip
    audit.record(user, AuditAction.CREATE, obj=job, detail="benefit register import requested")
    jobs.send_on_commit(SnapshotImport, job.pk)
    return job


def confirm_snapshot_import(user, job_id):
    """The manager confirms a checked file: its store is queued. Only a checked job
    without errors moves on, once: a repeated confirmation finds it queued or stored and
    changes nothing."""
    require_importer(user)
    with transaction.atomic():
        job = SnapshotImport.objects.for_user(user).select_for_update().get(pk=job_id)
        if not job.can_confirm:
            return job, False
        job.stage = ImportStage.IMPORT
        job.save(update_fields=["stage"])
        jobs.requeue(SnapshotImport, job.pk)
        audit.record(user, AuditAction.UPDATE, obj=job, detail="benefit register import confirmed")
        jobs.send_on_commit(SnapshotImport, job.pk)
    job.refresh_from_db()
    return job, True


def cancel_snapshot_import(user, job_id):
    require_importer(user)
    with transaction.atomic():
        job = SnapshotImport.objects.for_user(user).select_for_update().get(pk=job_id)
        if not job.can_cancel:
            return job
        job.stage = ImportStage.CANCELLED
        job.save(update_fields=["stage"])
        _delete_upload(job)
    return job


def retry_snapshot_import(user, job_id):
    """A failed check or store is queued again, as it was (the file is still there)."""
    require_importer(user)
    with transaction.atomic():
        job = SnapshotImport.objects.for_user(user).select_for_update().get(pk=job_id)
        if not job.retryable or job.stage not in (ImportStage.CHECK, ImportStage.IMPORT):
            return job
        jobs.requeue(SnapshotImport, job.pk)
        jobs.send_on_commit(SnapshotImport, job.pk)
    return job


def _delete_upload(job):
    if job.file_name and job.file_name.startswith(f"{UPLOAD_FOLDER}/"):
        transaction.on_commit(lambda name=job.file_name: storages["private"].delete(name))
        SnapshotImport.objects.filter(pk=job.pk).update(file_name="")


def _read(job):
    with storages["private"].open(job.file_name, "rb") as stored:
        stored.name = job.file_name
        return imports.read_rows(stored)


def run_snapshot_import(job_id):
    """One run of an import job, once in effect (vakwerk/jobs.py): the check or, after
    the confirmation, the store. Safe to run twice: a job that is not queued is left
    alone, and only the attempt that still owns the row writes its outcome. Returns the
    job, also a failed one: the failure is on the row and in the log (jobs.run)."""
    jobs.run(SnapshotImport, job_id, partial(_run_job, job_id), reraise=False)
    return SnapshotImport.objects.get(pk=job_id)


def _run_job(job_id, attempt):
    job = SnapshotImport.objects.select_related("requested_by").get(pk=job_id)
    with translation.override(settings.LANGUAGE_CODE):
        if job.stage == ImportStage.IMPORT:
            _store_job(job, attempt)
        else:
            _check_job(job, attempt)


def _check_job(job, attempt):
    fields = {"stage": ImportStage.CHECKED}
    try:
        rows = _read(job)
    except ValidationError as error:
        fields.update(stage=ImportStage.REFUSED, file_errors=error.messages, rows=0)
    else:
        preview = validate_rows(job.requested_by, job.taken_on, rows)
        fields.update(
            rows=len(preview.rows),
            file_errors=[str(message) for message in preview.file_errors],
            error_rows=len(preview.error_rows),
            row_errors=[
                [row.number, [error.message for error in row.errors]]
                for row in preview.error_rows[:ROW_ERRORS_KEPT]
            ],
            summary={
                "new_people": preview.new_people,
                "participants": preview.participants,
                "ended_in_file": preview.ended_in_file,
                "will_leave": preview.will_leave,
            },
        )
        if preview.has_errors:
            # All or nothing: a file with one row in error is refused whole.
            fields["stage"] = ImportStage.REFUSED
    with transaction.atomic():
        job = jobs.owned(SnapshotImport, job.pk, attempt).select_for_update().first()
        if job is None:
            logger.warning("benefit register import lost its claim (attempt %s)", attempt)
            return
        for name, value in fields.items():
            setattr(job, name, value)
        job.status, job.finished_at = JobStatus.DONE, timezone.now()
        job.save()
        audit.record(job.requested_by, AuditAction.SEARCH, obj=job,
                     detail=f"benefit register preview: {job.rows} rows")  # fmt: skip
        if job.stage == ImportStage.REFUSED:
            _delete_upload(job)


def _store_job(job, attempt):
    rows = _read(job)
    with transaction.atomic():
        # The job's row is locked while the snapshot is stored: the snapshot and the job's
        # "stored" commit together, or neither does (a worker that dies rolls both back).
        owned = jobs.owned(SnapshotImport, job.pk, attempt).select_for_update().first()
        if owned is None:
            logger.warning("benefit register import lost its claim (attempt %s)", attempt)
            return
        try:
            with transaction.atomic():
                result = import_snapshot(owned.requested_by, owned.taken_on, rows)
        except ValidationError as error:
            owned.stage, owned.file_errors = ImportStage.REFUSED, error.messages
        else:
            owned.stage, owned.snapshot = ImportStage.STORED, result.snapshot
            owned.summary = {**owned.summary, "left": result.left}
        owned.status, owned.finished_at = JobStatus.DONE, timezone.now()
        owned.save()
        _delete_upload(owned)


def delete_stale_snapshot_uploads(older_than=datetime.timedelta(days=2)):
    """Uploads never confirmed or cancelled hold BSNs: they go after two days, and the
    job that waited for them is cancelled. Returns how many."""
    stale = SnapshotImport.objects.filter(
        requested_at__lt=timezone.now() - older_than,
        stage__in=[ImportStage.CHECK, ImportStage.CHECKED, ImportStage.REFUSED],
    ).exclude(file_name="")
    count = 0
    for job in stale.exclude(status__in=[JobStatus.QUEUED, JobStatus.RUNNING]):
        with transaction.atomic():
            job.stage = ImportStage.CANCELLED
            job.save(update_fields=["stage"])
            _delete_upload(job)
        count += 1
    return count


# --- stored comparison pools ---------------------------------------------------------------

# pg_try_advisory_xact_lock's first key: one refresh per municipality at a time.
POOL_REFRESH_LOCK = 23_0001


def _send_pool_refresh(municipality_id):
    from .tasks import refresh_comparison_pools

    refresh_comparison_pools.delay(municipality_id)


def refresh_comparison_pools(municipality_id):
    """Stores the comparison pool of every stratum the municipality's follow-ups can need
    (`selectors.pool_strata`), for the register as it stands and as known on its latest
    snapshot, and drops the pools of earlier states. Only the strata not stored yet are
    computed, so a run after a small change costs little and a run with nothing changed
    one look-up. Returns the number of pools computed, or None when another refresh of the
    municipality was running (it does the same work).

    One REPEATABLE READ transaction: the fingerprint and the pools stored under it read
    the same register, however many imports or edits commit meanwhile."""
    if not selectors.stores_pools():
        return 0
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        with connection.cursor() as cursor:
            # Only a transaction's first statement may set it; a caller's transaction (a
            # test's) keeps its own.
            if outermost:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(
                "SELECT pg_try_advisory_xact_lock(%s, %s)", [POOL_REFRESH_LOCK, municipality_id]
            )
            if not cursor.fetchone()[0]:
                return None
        bounds = RegisterSnapshot.objects.filter(municipality_id=municipality_id).aggregate(
            first=Min("taken_on"), last=Max("taken_on")
        )
        first, last = bounds["first"], bounds["last"]
        if last is None:
            ComparisonPool.objects.filter(municipality_id=municipality_id).delete()
            return 0
        stored, fingerprint = selectors.stored_pools(municipality_id, last)
        missing = selectors.pool_strata(municipality_id, first, last) - stored.keys()
        computed = selectors.compute_pools(municipality_id, last, missing)
        now = timezone.now()
        ComparisonPool.objects.bulk_create(
            [
                ComparisonPool(
                    municipality_id=municipality_id,
                    fingerprint=fingerprint,
                    known_on=last,
                    enrolled_on=enrolled_on,
                    due_on=due_on,
                    benefit_type=benefit_type,
                    target_group=group,
                    band=band,
                    size=size,
                    off_for_work=off,
                    ended_unknown=unknown,
                    computed_at=now,
                )
                for (enrolled_on, due_on, benefit_type, group, band) in missing
                for size, off, unknown in [
                    computed.get((enrolled_on, due_on, benefit_type, group, band), (0, 0, 0))
                ]
            ],
            batch_size=5000,
            ignore_conflicts=True,
        )
        ComparisonPool.objects.filter(municipality_id=municipality_id).exclude(
            fingerprint=fingerprint, known_on=last
        ).delete()
    return len(missing)


def refresh_all_comparison_pools():
    """The periodic run: every municipality with a register. It catches what no import
    announced (an enrolment date or comparison-group flag changed, a participant erased);
    a municipality whose pools are current costs two queries."""
    computed = 0
    municipalities = (
        RegisterSnapshot.objects.order_by("municipality_id")
        .values_list("municipality_id", flat=True)
        .distinct()
    )
    for municipality_id in municipalities:
        computed += refresh_comparison_pools(municipality_id) or 0
    return computed


# --- retention ------------------------------------------------------------------------------


def anonymisation_due(municipality, on_date):
    """Register people of the municipality, not yet anonymised and not participants (whose
    rows follow the participant's own retention), whose every spell ended more than
    `retention_years` years before `on_date`."""
    cutoff = on_date - relativedelta(years=municipality.retention_years)
    return (
        RegisterPerson.objects.filter(
            municipality=municipality, anonymised_at__isnull=True, participant__isnull=True
        )
        .annotate(last_end=Max("spells__ended_on"))
        .exclude(spells__ended_on__isnull=True)
        .filter(last_end__lt=cutoff)
    )


def anonymise_expired_people(on_date=None):
    """The nightly retention run: the hash goes, so nobody can be found again; birth year
    and spells stay as figures, so past net effects do not change."""
    on_date = on_date or timezone.localdate()
    now = timezone.now()
    count = 0
    for municipality in Municipality.objects.order_by("pk"):
        count += RegisterPerson.objects.filter(
            pk__in=anonymisation_due(municipality, on_date).values("pk")
        ).update(bsn_hash=None, anonymised_at=now)
    return count
