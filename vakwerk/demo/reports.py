"""Demo reports: one finished monitoring report and one savings report for each demo
programme, so that a new manager finds something to open and download. Called at the end
of vakwerk.demo.seed; running it again adds nothing (and remakes a file that went missing)."""

import logging

from evaluation.reports import services as reports
from evaluation.reports.models import Report, ReportKind
from vakwerk.models import JobStatus
from vakwerk.roles import Role

logger = logging.getLogger(__name__)


def seed(spec, users):
    manager = users[Role.MANAGER]
    for kind in ReportKind:
        report = (
            Report.objects.filter(programme=spec.programme, kind=kind, requested_by=manager)
            .order_by("pk")
            .first()
        )
        if report is None:
            report = Report.objects.create(
                programme=spec.programme,
                kind=kind,
                requested_by=manager,
                status=JobStatus.QUEUED,
            )
        try:
            reports.build_report(report.pk)
        except Exception:
            # Demo data must not fail on a machine without WeasyPrint's Pango: the report
            # then shows as failed, with its error and a retry button.
            logger.exception("Demo report %s could not be made", report.pk)
