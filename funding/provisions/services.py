"""Writes of the provisions register and the SRG delivery."""

import datetime
import logging
from functools import partial

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Exists, Max, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from employers.models import OpportunityKind, Placement
from participants.models import Enrolment, Participant, Training
from vakwerk import audit, jobs
from vakwerk.audit import AuditAction
from vakwerk.models import JobStatus, Municipality

from . import selectors, spec, validation
from .models import Provision, ProvisionKind, Source, SrgDelivery

logger = logging.getLogger(__name__)


def private_storage():
    return storages["private"]


# --- Provisions that follow from recorded work -------------------------------------------


def _derived(participants):
    """{(source, source_id): (participant_id, kind key, start, end)} for what is recorded
    about `participants` (a queryset)."""
    wanted = {}
    for enrolment in Enrolment.objects.filter(participant__in=participants).select_related(
        "cohort"
    ):
        # Enrolled ahead of the group's start: the provision begins when the group does.
        start = max(enrolment.enrolled_on, enrolment.cohort.start_date)
        end = max(enrolment.cohort.end_date, start)
        wanted[(Source.ENROLMENT, enrolment.pk)] = (
            enrolment.participant_id,
            spec.DERIVED_KIND["enrolment"],
            start,
            end,
        )
    placements = Placement.objects.filter(
        match__participant__in=participants,
        match__opportunity__kind=OpportunityKind.LEARNING_PLACE,
    ).select_related("match")
    for placement in placements:
        wanted[(Source.PLACEMENT, placement.pk)] = (
            placement.match.participant_id,
            spec.DERIVED_KIND["placement"],
            placement.start_date,
            None,
        )
    for training in Training.objects.filter(participant__in=participants):
        wanted[(Source.TRAINING, training.pk)] = (
            training.participant_id,
            spec.DERIVED_KIND["training"],
            training.start_date,
            training.end_date,
        )
    return wanted


def ensure_kinds():
    """The managed list as the spec seeds it, for a database emptied after its migrations
    ran (a flushed test database); existing kinds, and codes an operator set, are kept."""
    kinds = {kind.key: kind for kind in ProvisionKind.objects.all()}
    for kind in spec.PROVISION_KINDS:
        if kind.key not in kinds:
            kinds[kind.key], _created = ProvisionKind.objects.get_or_create(
                key=kind.key,
                defaults={
                    "srg_code": kind.srg_code,
                    "name": kind.name,
                    "wage_subsidy": kind.wage_subsidy,
                },
            )
    return kinds


@transaction.atomic
def _sync(participants):
    kinds = ensure_kinds()
    municipality_of = dict(participants.values_list("pk", "municipality_id"))
    wanted = _derived(participants)
    existing = {
        (row.source, row.source_id): row
        for row in Provision.objects.filter(participant__in=participants).exclude(
            source=Source.MANUAL
        )
    }
    new, changed = [], []
    for key, (participant_id, kind_key, start, end) in wanted.items():
        kind = kinds[kind_key]
        row = existing.pop(key, None)
        if row is None:
            new.append(
                Provision(
                    municipality_id=municipality_of[participant_id],
                    participant_id=participant_id,
                    kind=kind,
                    start_date=start,
                    end_date=end,
                    source=key[0],
                    source_id=key[1],
                )
            )
        elif (row.kind_id, row.start_date, row.end_date) != (kind.pk, start, end):
            row.kind, row.start_date, row.end_date = kind, start, end
            changed.append(row)
    # ignore_conflicts: two syncs at once both create; the unique constraint keeps one.
    Provision.objects.bulk_create(new, ignore_conflicts=True)
    Provision.objects.bulk_update(changed, ["kind", "start_date", "end_date"])
    if existing:
        Provision.objects.filter(pk__in=[row.pk for row in existing.values()]).delete()
    return len(new), len(changed), len(existing)


def sync_provisions(participant):
    """Brings one participant's derived provisions in line with what is recorded. Safe to
    run any number of times: it never makes a second row for the same record."""
    return _sync(Participant.objects.filter(pk=participant.pk))


def sync_cohort(cohort):
    members = Enrolment.objects.filter(cohort=cohort).values("participant_id")
    return _sync(Participant.objects.filter(pk__in=members))


def sync_municipality(municipality):
    return _sync(Participant.objects.filter(municipality=municipality))


def forget_source(source, source_id):
    Provision.objects.filter(source=source, source_id=source_id).delete()


# --- Provisions added by hand ----------------------------------------------------------


def _check(provision):
    errors = validation.provision_errors(provision)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def add_provision(user, participant, **fields):
    provision = Provision(
        municipality_id=participant.municipality_id,
        participant=participant,
        source=Source.MANUAL,
        recorded_by=user,
        **fields,
    )
    _check(provision)
    provision.save()
    audit.record(user, AuditAction.CREATE, obj=provision, participant_id=participant.pk)
    return provision


@transaction.atomic
def change_provision(user, provision, **fields):
    if not provision.is_manual:
        raise ValidationError(
            _("This provision follows from recorded work; change it where it was recorded.")
        )
    for name, value in fields.items():
        setattr(provision, name, value)
    _check(provision)
    provision.save()
    audit.record(user, AuditAction.UPDATE, obj=provision, participant_id=provision.participant_id)
    return provision


# --- The SRG delivery ------------------------------------------------------------------


def last_month(today):
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def _update(delivery, **fields):
    # A filtered UPDATE, so that progress never overwrites what another process wrote.
    SrgDelivery.objects.filter(pk=delivery.pk).update(**fields)
    for name, value in fields.items():
        setattr(delivery, name, value)


def _queue(municipality, month, user):
    delivery = SrgDelivery.objects.create(
        municipality=municipality, month=month.replace(day=1), built_by=user
    )
    audit.record(
        user,
        AuditAction.CREATE,
        obj=delivery,
        municipality_id=municipality.pk,
        detail="SRG build requested",
    )
    return delivery


@transaction.atomic
def request_delivery(user, month):
    """The admin asks for the SRG file of `month`; a worker builds it after the request is
    committed (a broker that is down leaves it queued, and vakwerk.jobs sends it again)."""
    delivery = _queue(user.municipality, month, user)
    jobs.send_on_commit(SrgDelivery, delivery.pk)
    return delivery


def run_delivery(delivery_id, today=None):
    """Builds the file of one queued delivery, once (see vakwerk/jobs.py): a delivery that
    is not queued is left alone, and only the attempt that still owns it numbers it, stores
    its file and marks it done. Re-derives the municipality's provisions first.
    Provisions that break a rule are left out of the file and listed with their
    participant, to be fixed and built again. Returns the delivery; on failure the delivery
    says why in words for the user, and the exception goes on to Celery's log."""
    today = today or timezone.localdate()
    return jobs.run(SrgDelivery, delivery_id, partial(_build, delivery_id, today))


def _build(delivery_id, today, attempt):
    delivery = SrgDelivery.objects.select_related("municipality", "built_by").get(pk=delivery_id)
    municipality, month, user = delivery.municipality, delivery.month, delivery.built_by
    _update(delivery, progress=5)
    sync_municipality(municipality)
    _update(delivery, progress=50)
    with transaction.atomic():
        # The lock serialises two builds of one municipality, so versions never collide:
        # each takes the next number of the files that exist.
        Municipality.objects.select_for_update().get(pk=municipality.pk)
        if not jobs.owned(SrgDelivery, delivery_id, attempt).select_for_update().exists():
            # The worker was taken for dead and another attempt owns the delivery.
            logger.warning("SRG delivery %s attempt %s lost its claim", delivery_id, attempt)
            return SrgDelivery.objects.get(pk=delivery_id)
        version = (
            SrgDelivery.objects.filter(municipality=municipality, month=month).aggregate(
                Max("version")
            )["version__max"]
            or 0
        ) + 1
        rows = selectors.provisions_for_month(municipality, month)
        errors = validation.delivery_errors(rows, month)
        faulty = {error["provision_id"] for error in errors}
        records = [row for row in rows if row.pk not in faulty]
        content = render_file(municipality, month, records, version, today)
        file_name = spec.file_name(municipality.cbs_code, month, version)
        name = f"srg/{municipality.pk}/{file_name}"
        # An attempt killed after this and before the commit leaves the file under the
        # same name the next attempt writes: one file either way.
        name = jobs.store_atomically(
            private_storage(), name, ContentFile(content.encode(spec.ENCODING))
        )
        now = timezone.now()
        _update(
            delivery,
            status=JobStatus.DONE,
            progress=100,
            version=version,
            file_name=name,
            record_count=len(records),
            errors=errors,
            built_at=now,
            finished_at=now,
        )
        audit.record(
            user,
            AuditAction.EXPORT,
            obj=delivery,
            municipality_id=municipality.pk,
            detail=f"SRG {month:%Y-%m} v{version}: {len(records)} records, {len(errors)} errors",
        )
    return delivery


def build_delivery(municipality, month, user=None, today=None):
    """Requests and builds the SRG file of `month` at once, in this process: for the
    demo data and tests. A month built again makes the next version (A6)."""
    with transaction.atomic():
        delivery = _queue(municipality, month, user)
    return run_delivery(delivery.pk, today=today)


def render_file(municipality, month, provisions, version, today):
    leading = spec.render(
        spec.LEADING_RECORD,
        {
            "recordsoort": spec.LEADING,
            "gemeentecode": municipality.cbs_code,
            "verslagmaand": spec.yyyymm(month),
            "aanmaakdatum": spec.yyyymmdd(today),
            "richtlijnversie": spec.GUIDELINE_VERSION,
            "soort_levering": spec.CORRECTION if version > 1 else spec.REGULAR,
            "aantal_records": len(provisions),
        },
    )
    lines = [leading]
    for provision in provisions:
        participant = provision.participant
        amount = provision.wage_subsidy_amount
        lines.append(
            spec.render(
                spec.DETAIL_RECORD,
                {
                    "recordsoort": spec.DETAIL,
                    "gemeentecode": municipality.cbs_code,
                    "verslagmaand": spec.yyyymm(month),
                    "bsn": participant.bsn,
                    "geboortedatum": spec.yyyymmdd(participant.birth_date),
                    "kenmerk_voorziening": f"VAK{provision.pk}",
                    "soort_voorziening": provision.kind.srg_code,
                    "datum_begin": spec.yyyymmdd(provision.start_date),
                    "datum_einde": spec.yyyymmdd(provision.end_date),
                    "percentage_lks": provision.wage_subsidy_percentage or 0,
                    "bedrag_lks": int(amount * 100) if amount else 0,
                },
            )
        )
    return spec.LINE_END.join(lines) + spec.LINE_END


def build_last_month_everywhere(today=None):
    """The monthly job: last month's file for every municipality, requested by no user and
    built by the workers, one task per municipality. A municipality that already has a
    delivery of the month (queued, built or failed) is left alone, so that the job run
    twice makes one file; a correction is the admin's decision. Returns the new ids."""
    today = today or timezone.localdate()
    month = last_month(today)
    created = []
    for municipality in Municipality.objects.order_by("pk"):
        with transaction.atomic():
            # Serialises two runs of the job (or a re-delivered task) on one municipality.
            Municipality.objects.select_for_update().filter(pk=municipality.pk).first()
            if SrgDelivery.objects.filter(municipality=municipality, month=month).exists():
                continue
            delivery = _queue(municipality, month, None)
            jobs.send_on_commit(SrgDelivery, delivery.pk)
            created.append(delivery.pk)
    logger.info("Monthly SRG files: %s requested", len(created))
    return created


# --- Retention --------------------------------------------------------------------------


def _expired(now):
    """The deliveries whose file is due for removal at `now`, with the reason."""
    today = timezone.localdate(now)
    kept = SrgDelivery.objects.filter(status=JobStatus.DONE, file_removed_at__isnull=True)
    due = []
    for delivery in kept.only("pk", "municipality_id", "month", "version", "file_name"):
        if today >= spec.files_removed_from(delivery.month):
            due.append((delivery, "SRG file removed: retention period ended"))
    newer_before = now - datetime.timedelta(days=spec.SUPERSEDED_KEPT_DAYS)
    newer = SrgDelivery.objects.filter(
        status=JobStatus.DONE,
        municipality_id=OuterRef("municipality_id"),
        month=OuterRef("month"),
        version__gt=OuterRef("version"),
        built_at__lte=newer_before,
    )
    due_pks = {delivery.pk for delivery, _reason in due}
    superseded = kept.filter(Exists(newer)).exclude(pk__in=due_pks)
    for delivery in superseded.only("pk", "municipality_id", "month", "version", "file_name"):
        due.append((delivery, "SRG file removed: superseded by a newer version"))
    return due


def delete_expired_files(now=None):
    """The nightly retention run: deletes the files past their period (see
    spec.files_removed_from and SUPERSEDED_KEPT_DAYS) and records the removal on the row
    and in the audit trail; counts and errors stay. A rerun finds nothing left to do.
    Returns how many files were removed."""
    now = now or timezone.now()
    storage = private_storage()
    removed = 0
    for delivery, reason in _expired(now):
        with transaction.atomic():
            # Conditional on the row still holding its file: of two runs at once, one
            # records the removal.
            if not SrgDelivery.objects.filter(pk=delivery.pk, file_removed_at__isnull=True).update(
                file_removed_at=now
            ):
                continue
            # Deleted before the commit: a file that cannot be deleted rolls the record
            # back and is tried again the next night; a removal recorded for a file still
            # on disk would hide a BSN file from every later run.
            if delivery.file_name:
                storage.delete(delivery.file_name)
            audit.record(
                None,
                AuditAction.DELETE,
                obj=delivery,
                municipality_id=delivery.municipality_id,
                detail=reason,
            )
        removed += 1
    logger.info("SRG retention: %s files removed", removed)
    return removed


def record_download(user, delivery):
    audit.record(
        user,
        AuditAction.DOWNLOAD,
        obj=delivery,
        detail=f"SRG {delivery.month:%Y-%m} v{delivery.version}",
    )
