"""Reports: a manager requests one, follows its progress and downloads the PDF. Rows are
read through `Report.objects.for_user` (another municipality's report answers 404);
the file is streamed from private storage, never from a public URL."""

from django.contrib import messages
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from evaluation.dashboards import selectors
from vakwerk import audit, job_progress
from vakwerk.audit import AuditAction
from vakwerk.fields import parse_id
from vakwerk.idempotency import idempotent
from vakwerk.models import JobStatus, Programme
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import services
from .forms import ReportRequestForm
from .models import Report

READERS = (Role.MANAGER, Role.ADMIN)


def _reports(user):
    return Report.objects.for_user(user).select_related("programme", "requested_by")


@role_required(*READERS)
def report_list(request):
    user = request.user
    queryset = _reports(user)
    programme = None
    chosen = parse_id(request.GET.get("programme"))
    if chosen is not None:
        programme = get_object_or_404(Programme.objects.for_user(user), pk=chosen)
        queryset = queryset.filter(programme=programme)
    form = None
    if user.role == Role.MANAGER:
        # Most municipalities run one programme at a time: preselect it.
        chosen = programme or Programme.objects.for_user(user).order_by("-start_date").first()
        form = ReportRequestForm(user=user, initial={"programme": chosen})
    context = {"reports": queryset[:100], "form": form, "programme": programme}
    return render(request, "evaluation/report_list.html", context)


@require_POST
@role_required(Role.MANAGER)
@idempotent
def report_request(request):
    user = request.user
    form = ReportRequestForm(request.POST, user=user)
    if not form.is_valid():
        context = {"reports": _reports(user)[:100], "form": form, "programme": None}
        return render(request, "evaluation/report_list.html", context, status=400)
    data = form.cleaned_data
    report = services.request_report(
        user,
        data["programme"],
        data["kind"],
        selectors.Period(data["period_start"], data["period_end"]),
    )
    messages.success(request, _("The report has been requested."))
    return redirect("evaluation:report_detail", report.pk)


@role_required(*READERS)
def report_detail(request, pk):
    report = get_object_or_404(_reports(request.user), pk=pk)
    context = {
        "report": report,
        "in_progress": job_progress.in_progress(report),
        "can_retry": report.retryable and request.user.role == Role.MANAGER,
    }
    return render(request, "evaluation/report_detail.html", context)


@role_required(*READERS)
def report_status(request, pk):
    """The report page's live region asks this while the report is being made."""
    report = get_object_or_404(Report.objects.for_user(request.user), pk=pk)
    download_url = ""
    if report.status == JobStatus.DONE:
        download_url = reverse("evaluation:report_download", args=[report.pk])
    return job_progress.status_response(request, report, download_url, _("Download PDF"))


@require_POST
@role_required(Role.MANAGER)
def report_retry(request, pk):
    report = get_object_or_404(_reports(request.user), pk=pk)
    if not report.retryable:
        messages.info(request, _("Only a failed or waiting report can be made again."))
    else:
        services.retry_report(request.user, report)
        messages.success(request, _("The report will be made again."))
    return redirect("evaluation:report_detail", report.pk)


@role_required(*READERS)
def report_download(request, pk):
    report = get_object_or_404(_reports(request.user), pk=pk)
    storage = services.private_storage()
    if report.status != JobStatus.DONE or not report.file_name:
        raise Http404
    if not storage.exists(report.file_name):
        raise Http404
    audit.record(request.user, AuditAction.DOWNLOAD, obj=report, detail="report PDF")
    return FileResponse(
        storage.open(report.file_name, "rb"),
        as_attachment=True,
        filename=services.download_name(report),
        content_type="application/pdf",
    )
