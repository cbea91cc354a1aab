"""Monitoring and savings reports: accessible PDFs (PDF/UA) made by a Celery task, kept in
private storage and handed out only through a view that checks who asks.

A report row is the job: queued → running (with progress) → done (with its file) or
failed (with a reason for the user, and a retry). vakwerk/jobs.py keeps it moving: a
request the broker lost is sent again, a report whose worker died is made again, and
`build_report` makes a report once however often its task runs."""

import datetime
import logging
from dataclasses import dataclass
from functools import partial

from dateutil.relativedelta import relativedelta
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import storages
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone, translation

from evaluation.dashboards import charts, programme_evaluation, selectors
from evaluation.questionnaires.models import Stakeholder
from funding.savings import assumption_rows
from vakwerk import audit, jobs
from vakwerk.audit import AuditAction
from vakwerk.db_routing import replica_reads
from vakwerk.models import JobStatus, Programme
from vakwerk.pdf import render_pdf
from vakwerk.roles import Role
from vakwerk.theme import text_colour_on_white

from . import notifications
from .models import Report, ReportKind

logger = logging.getLogger(__name__)

TEMPLATES = {
    ReportKind.MONITORING: "evaluation/report_monitoring_pdf.html",
    ReportKind.SAVINGS: "evaluation/report_savings_pdf.html",
}


def private_storage():
    return storages["private"]


def file_name_for(report):
    return f"reports/{report.programme_id}/{report.pk}.pdf"


# The reports are Dutch documents, so their file names are Dutch whatever the screen's
# language: "besparingen-…pdf", never the kind's code "savings-…pdf".
DOWNLOAD_PREFIXES = {
    ReportKind.MONITORING: "monitoringsrapportage",
    ReportKind.SAVINGS: "besparingen",
}


def download_name(report):
    """What the browser saves the file as: kind, programme and date, nothing personal."""
    day = timezone.localdate(report.finished_at or report.requested_at)
    slug = "".join(c if c.isalnum() else "-" for c in report.programme.name).strip("-")
    return f"{DOWNLOAD_PREFIXES[report.kind]}-{slug}-{day:%Y-%m-%d}.pdf".lower()


# Building


def _update(report, **fields):
    # A filtered UPDATE, so that progress never overwrites what another process wrote to
    # the other columns.
    Report.objects.filter(pk=report.pk).update(**fields)
    for name, value in fields.items():
        setattr(report, name, value)


def _common_context(report, today):
    programme = report.programme
    municipality = programme.municipality
    return {
        "report": report,
        "programme": programme,
        "municipality": municipality,
        # Headings and chart marks on white paper: theme keeps them readable.
        "colour": text_colour_on_white(municipality.colour),
        "today": today,
        "period": selectors.Period(report.period_start, report.period_end),
        "title": f"{report.get_kind_display()} · {programme.name}",
    }


def monitoring_context(report, today=None):
    context = _common_context(report, today or timezone.localdate())
    programme = context["programme"]
    scope = selectors.Scope(context["municipality"], programme)
    figures = selectors.dashboard(scope, context["period"], today=context["today"], groups=None)
    context.update(
        figures=figures,
        charts=charts.dashboard_charts(figures, context["colour"]),
        savings_chart=charts.savings_chart(figures.savings, context["colour"]),
        activities=list(programme.activities.order_by("due_date", "pk")),
        stakeholders=list(Stakeholder.objects.filter(programme=programme)),
        evaluation=programme_evaluation.report_evaluation(programme),
    )
    return context


def savings_context(report, today=None):
    context = _common_context(report, today or timezone.localdate())
    scope = selectors.Scope(context["municipality"], context["programme"])
    period = context["period"]
    figures = selectors.savings(scope, period, on_date=period.on_date(context["today"]))
    context.update(
        savings=figures,
        result=figures.results[0],
        assumptions=figures.assumptions,
        assumption_rows=assumption_rows(figures.assumptions, figures.results),
        chart=charts.savings_chart(figures, context["colour"]),
    )
    return context


CONTEXTS = {ReportKind.MONITORING: monitoring_context, ReportKind.SAVINGS: savings_context}


def build_report(report_id):
    """Makes the PDF of one report, once (see vakwerk/jobs.py): a report that is not
    queued is left alone, and only the attempt that still owns the report stores its file.
    Returns the report; on failure the report says why in words for the user, and the
    exception goes on to Celery's log."""
    storage = private_storage()
    current = Report.objects.get(pk=report_id)
    if current.status == JobStatus.DONE:
        if current.file_name and storage.exists(current.file_name):
            return current
        # Done, but its file went missing: it is made again under the same name.
        Report.objects.filter(pk=report_id, status=JobStatus.DONE).update(
            status=JobStatus.QUEUED, queued_at=timezone.now()
        )
    return jobs.run(Report, report_id, partial(_build, report_id, current, storage))


def _build(report_id, current, storage, attempt):
    report = Report.objects.select_related("programme__municipality").get(pk=report_id)
    _update(report, progress=5)
    with translation.override("nl"):
        # The figures from the read replica, if there is one (vakwerk/db_routing.py): the
        # report row was read before, from the primary. Two scopes around the progress
        # write between them: a write keeps a scope's later reads on the primary (the
        # template still reads, e.g. the charts' querysets).
        with replica_reads():
            context = CONTEXTS[report.kind](report)
        _update(report, progress=40)
        with replica_reads():
            html = render_to_string(TEMPLATES[report.kind], context)
        _update(report, progress=60)
        pdf = render_pdf(html)
    _update(report, progress=90)
    with transaction.atomic():
        if not jobs.owned(Report, report_id, attempt).select_for_update().exists():
            # The worker was taken for dead and another attempt owns the report.
            logger.warning("report %s attempt %s lost its claim", report_id, attempt)
            return Report.objects.get(pk=report_id)
        name = jobs.store_atomically(storage, file_name_for(report), ContentFile(pdf))
        _update(
            report,
            status=JobStatus.DONE,
            progress=100,
            file_name=name,
            finished_at=timezone.now(),
        )
        if report.is_monthly and current.status != JobStatus.DONE:
            # Once, when the month's report is first done (not when a lost file is made
            # again), and only after the commit: a mail about a report that was rolled
            # back would link to nothing.
            transaction.on_commit(partial(notifications.send_report_ready, report.pk))
    return report


# Requests


def _enqueue_on_commit(report):
    # A broker that is down, or (in-process) a build that fails, does not undo the
    # request: the report stays queued and vakwerk.jobs sends it again.
    jobs.send_on_commit(Report, report.pk)


def _require_manager(user, programme):
    if (
        not user.is_authenticated
        or user.role != Role.MANAGER
        or user.municipality_id != programme.municipality_id
    ):
        raise PermissionDenied


@transaction.atomic
def request_report(user, programme, kind, period=None):
    """A manager asks for a report of one of their programmes; the task runs after the
    request is committed."""
    _require_manager(user, programme)
    kind = ReportKind(kind)
    period = period or selectors.Period()
    report = Report.objects.create(
        programme=programme,
        kind=kind,
        period_start=period.start,
        period_end=period.end,
        requested_by=user,
    )
    audit.record(user, AuditAction.CREATE, obj=report, detail=f"{kind} report requested")
    _enqueue_on_commit(report)
    return report


@transaction.atomic
def retry_report(user, report):
    """A failed report, or one that waits too long for a worker, is queued again (as the
    same report: its id and file name stay)."""
    _require_manager(user, report.programme)
    report = Report.objects.select_for_update().get(pk=report.pk)
    if not report.retryable:
        raise PermissionDenied("Only a failed or waiting report can be retried.")
    jobs.requeue(Report, report.pk)
    _update(report, status=JobStatus.QUEUED, progress=0)
    audit.record(user, AuditAction.UPDATE, obj=report, detail="report retried")
    _enqueue_on_commit(report)
    return report


# Monthly


@dataclass(frozen=True)
class MonthlyRun:
    period_end: datetime.date
    created: list
    existing: int


def active_programmes(today):
    """Programmes still running, or that ended within the last month (their last monthly
    report is still due)."""
    cutoff = today - relativedelta(months=1)
    return Programme.objects.filter(Q(end_date__isnull=True) | Q(end_date__gte=cutoff)).order_by(
        "pk"
    )


def make_monthly_reports(today=None):
    """Both kinds of report for every active programme, up to the end of last month.
    Safe to run twice: a programme's monthly report of a kind is made once per month."""
    today = today or timezone.localdate()
    period_end = today.replace(day=1) - datetime.timedelta(days=1)
    created, existing = [], 0
    for programme in active_programmes(today):
        with transaction.atomic():
            # Serialises two beat runs (or a re-delivered task) on the same programme.
            Programme.objects.select_for_update().filter(pk=programme.pk).first()
            for kind in ReportKind:
                monthly = Report.objects.filter(
                    programme=programme,
                    kind=kind,
                    requested_by__isnull=True,
                    period_start__isnull=True,
                    period_end=period_end,
                )
                if monthly.exists():
                    existing += 1
                    continue
                report = Report.objects.create(
                    programme=programme, kind=kind, period_end=period_end
                )
                _enqueue_on_commit(report)
                created.append(report.pk)
    logger.info("Monthly reports: %s queued, %s already there", len(created), existing)
    return MonthlyRun(period_end, created, existing)
