"""Requesting, running, downloading and expiring research exports. The rules of what an
export contains live in the other modules of evaluation/research/ (see its __init__); this module
decides who may do what and keeps the ResearchExport row, the file and the audit trail in step."""

import datetime
import logging
import tempfile
from functools import partial

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.files.storage import storages
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from vakwerk import audit, jobs
from vakwerk.audit import AuditAction
from vakwerk.db_routing import replica_reads
from vakwerk.models import FailureReason, JobStatus
from vakwerk.roles import Role

from . import writers
from .catalogue import selected_tables
from .models import ExportFormat, ResearchExport

logger = logging.getLogger(__name__)


def is_researcher_of(user, project):
    return (
        user.is_authenticated
        and user.role == Role.RESEARCHER
        and project.researchers.filter(pk=user.pk).exists()
    )


def project_is_valid(project, on_date=None):
    return project.valid_until >= (on_date or timezone.localdate())


def request_export(user, project, tables, format):
    """Queues an export for a researcher of a project that is still valid. The task is
    sent only when the row is committed, so a worker never looks for a missing row."""
    if not is_researcher_of(user, project):
        raise PermissionDenied
    if not project_is_valid(project):
        raise ValidationError(
            _("The research project ended on %(date)s; no new exports can be made.")
            % {"date": project.valid_until},
            code="project_ended",
        )
    names = [table.name for table in selected_tables(tables)]
    if not names or len(names) != len(set(tables)):
        raise ValidationError(_("Choose one or more of the listed tables."), code="tables")
    if format not in ExportFormat.values:
        raise ValidationError(_("Choose one of the listed formats."), code="format")
    with transaction.atomic():
        export = ResearchExport.objects.create(
            project=project, tables=names, format=format, requested_by=user
        )
        # A broker that is down does not undo the request: the export stays queued, the
        # list says so, and vakwerk.jobs sends it again.
        jobs.send_on_commit(ResearchExport, export.pk)
    return export


@transaction.atomic
def retry_export(user, export):
    """A researcher of the project sends a failed export (or one that waits too long for
    a worker) again, as the same export."""
    if not is_researcher_of(user, export.project):
        raise PermissionDenied
    export = ResearchExport.objects.select_for_update().get(pk=export.pk)
    if not export.retryable:
        raise PermissionDenied("Only a failed or waiting export can be retried.")
    if not project_is_valid(export.project):
        raise ValidationError(
            _("The research project ended on %(date)s; no new exports can be made.")
            % {"date": export.project.valid_until},
            code="project_ended",
        )
    jobs.requeue(ResearchExport, export.pk)
    audit.record(
        user,
        AuditAction.UPDATE,
        obj=export,
        detail="research export retried",
        municipality_id=export.project.municipality_id,
    )
    jobs.send_on_commit(ResearchExport, export.pk)
    return export


def run_export(export_id):
    """Builds the file of one export, once (see vakwerk/jobs.py): an export that is not
    queued is left alone, and of two runs only the attempt that still owns the export
    stores its file and logs it. Returns the export, also a failed one: a refusal (the
    project ended, the requester is no researcher of it any more) is an outcome, not an
    error, and every failure is on the row and in the log (jobs.run)."""
    return jobs.run(
        ResearchExport, export_id, partial(_build, export_id), _failure_reason, reraise=False
    )


def _failure_reason(error):
    # The message may quote data from the database: the log has it, the row has only the
    # kind of error and a reason in words.
    if isinstance(error, PermissionDenied):
        return FailureReason.NOT_ALLOWED
    if isinstance(error, ValidationError):
        return FailureReason.PROJECT_ENDED
    return None


def _build(export_id, attempt):
    export = ResearchExport.objects.select_related("project", "requested_by").get(pk=export_id)
    project = export.project
    if not project_is_valid(project):
        raise ValidationError("research project has ended")
    # Checked again when it runs: a researcher taken off the project (or blocked) between
    # the request and the worker gets no file.
    requester = export.requested_by
    if not (requester and requester.is_active and is_researcher_of(requester, project)):
        raise PermissionDenied("the requester is no longer a researcher of the project")
    # A scratch file first: no table is held in memory (except for SPSS/Stata), and the
    # private storage only ever sees the complete file.
    with tempfile.TemporaryFile(prefix="research-export-") as scratch:
        # The tables from the read replica, if there is one (vakwerk/db_routing.py); the
        # export's own row is read and written outside, on the primary.
        with replica_reads():
            counts = writers.write_export(project, export.tables, export.format, scratch)
        digest = writers.sha256_of(scratch)
        return _finish(export_id, attempt, scratch, counts, digest)


def _finish(export_id, attempt, scratch, counts, digest):
    storage = storages["private"]
    with transaction.atomic():
        export = (
            jobs.owned(ResearchExport, export_id, attempt)
            .select_for_update()
            .select_related("project", "requested_by")
            .first()
        )
        if export is None:
            # Taken for dead while it ran: the attempt that owns the export now stores
            # the file and logs it.
            logger.warning("research export %s attempt %s lost its claim", export_id, attempt)
            return ResearchExport.objects.get(pk=export_id)
        project = export.project
        scratch.seek(0)
        stored = jobs.store_atomically(
            storage, writers.storage_name(export), File(scratch, name="export")
        )
        now = timezone.now()
        export.status = JobStatus.DONE
        export.rows = sum(counts.values())
        export.sha256 = digest
        export.file_name = stored
        export.finished_at = now
        export.expires_at = now + datetime.timedelta(days=project.export_retention_days)
        export.error = ""
        # The disclosure report the file was written under, for the list of exports.
        for name, value in counts.report.summary().items():
            setattr(export, name, value)
        export.save()
        # One entry per export, none per participant: the trail holds who exported what
        # under which agreement; the rows and hash are on the export it points to.
        audit.record(
            export.requested_by,
            AuditAction.EXPORT,
            obj=export,
            detail=f"research export {export.format}, {export.rows} rows",
            purpose=project.agreement_reference,
            municipality_id=project.municipality_id,
        )
    return export


def is_downloadable(export, now=None):
    now = now or timezone.now()
    return (
        export.status == JobStatus.DONE
        and bool(export.file_name)
        and export.expires_at is not None
        and export.expires_at > now
        and project_is_valid(export.project, timezone.localdate(now))
    )


def open_download(user, export):
    """The file of an export for a researcher of its project, logged; None when it is not
    (or no longer) available."""
    if not is_researcher_of(user, export.project):
        raise PermissionDenied
    if not is_downloadable(export):
        return None
    storage = storages["private"]
    if not storage.exists(export.file_name):
        return None
    audit.record(
        user,
        AuditAction.DOWNLOAD,
        obj=export,
        detail=f"research export {export.format}",
        purpose=export.project.agreement_reference,
        municipality_id=export.project.municipality_id,
    )
    return storage.open(export.file_name, "rb")


def delete_expired_exports(now=None):
    """Removes the files of exports past their expiry date; the rows stay as the record of
    what was exported. A rerun finds nothing left to do. Returns how many were removed."""
    now = now or timezone.now()
    storage = storages["private"]
    removed = 0
    expired = ResearchExport.objects.filter(expires_at__lte=now).exclude(file_name="")
    # A list, not a server-side cursor: a day's expired exports are few, and each is
    # updated in its own statement while the list is read.
    for export in list(expired.only("pk", "file_name")):
        storage.delete(export.file_name)
        ResearchExport.objects.filter(pk=export.pk).update(file_name="")
        removed += 1
    return removed
