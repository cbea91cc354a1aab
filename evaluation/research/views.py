"""Research project pages: the project, its export builder, the list of its exports and
the download. Only researchers of the project request and download exports; managers of
the municipality see what was exported (but never the files)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vakwerk import job_progress
from vakwerk.idempotency import idempotent
from vakwerk.models import JobStatus
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import services
from .catalogue import TABLES
from .disclosure import disclosure_report
from .forms import ResearchExportForm
from .models import ExportFormat, ResearchExport, ResearchProject
from .writers import download_name

VIEWERS = (Role.RESEARCHER, Role.MANAGER)


@role_required(Role.RESEARCHER, Role.MANAGER)
def research_projects(request):
    projects = ResearchProject.objects.for_user(request.user).prefetch_related("programmes")
    return render(request, "evaluation/research_projects.html", {"projects": projects})


def _project(request, pk):
    return get_object_or_404(
        ResearchProject.objects.for_user(request.user).prefetch_related("programmes"), pk=pk
    )


def _context(request, project, **extra):
    is_researcher = services.is_researcher_of(request.user, project)
    return {
        "project": project,
        "is_researcher": is_researcher,
        "can_request": is_researcher and services.project_is_valid(project),
        "project_valid": services.project_is_valid(project),
        **extra,
    }


def _exports(request, project):
    exports = ResearchExport.objects.for_user(request.user).filter(project=project)
    exports = list(exports.select_related("requested_by", "project"))
    for export in exports:
        export.downloadable = services.is_downloadable(export)
    return exports


@role_required(*VIEWERS)
def research_project_detail(request, pk):
    project = _project(request, pk)
    exports = _exports(request, project)
    context = _context(
        request, project, exports=exports[:5], more_exports=len(exports) > 5,
        tables=TABLES.values(),
    )  # fmt: skip
    return render(request, "evaluation/research_project_detail.html", context)


@role_required(*VIEWERS)
def research_export_list(request, pk):
    project = _project(request, pk)
    context = _context(request, project, exports=_exports(request, project))
    return render(request, "evaluation/research_export_list.html", context)


@role_required(Role.RESEARCHER)
@idempotent
def research_export_new(request, pk):
    """The export builder. Before anything is requested it shows what an export of the
    chosen tables would disclose (k, uniques, generalisation, left out); "Show" measures
    again for another choice of tables without making an export."""
    project = _project(request, pk)
    if not services.project_is_valid(project):
        messages.error(request, _("This research project has ended; no new exports can be made."))
        return redirect("evaluation:research_project_detail", project.pk)
    form = ResearchExportForm(request.POST or None)
    chosen = [name for name in request.POST.getlist("tables") if name in TABLES]
    if request.method == "POST" and "preview" not in request.POST and form.is_valid():
        try:
            export = services.request_export(
                request.user, project, form.cleaned_data["tables"], form.cleaned_data["format"]
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # In-process Celery (no broker) has already run it by now.
            export.refresh_from_db(fields=["status"])
            if export.status == JobStatus.DONE:
                messages.success(request, _("The export is ready."))
            else:
                messages.success(
                    request, _("The export has been requested. Reload this page to see it.")
                )
            return redirect("evaluation:research_export_list", project.pk)
    report = disclosure_report(project, chosen or list(TABLES))
    return render(
        request,
        "evaluation/research_export_new.html",
        _context(request, project, form=form, report=report),
    )


@require_POST
@role_required(Role.RESEARCHER)
def research_export_retry(request, export_pk):
    export = get_object_or_404(
        ResearchExport.objects.for_user(request.user).select_related("project"), pk=export_pk
    )
    try:
        services.retry_export(request.user, export)
    except PermissionDenied:
        messages.info(request, _("Only a failed or waiting export can be made again."))
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("The export will be made again."))
    return redirect("evaluation:research_export_list", export.project_id)


@role_required(Role.RESEARCHER)
def research_export_download(request, export_pk):
    export = get_object_or_404(
        ResearchExport.objects.for_user(request.user).select_related("project"), pk=export_pk
    )
    stored = services.open_download(request.user, export)
    if stored is None:
        raise Http404
    content_type = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if export.format == ExportFormat.XLSX
        else "application/zip"
    )
    return FileResponse(
        stored,
        as_attachment=True,
        filename=download_name(export),
        content_type=content_type,
    )


@role_required(*VIEWERS)
def research_export_status(request, export_pk):
    """An export row's live region asks this while the export is being made."""
    export = get_object_or_404(
        ResearchExport.objects.for_user(request.user).select_related("project"), pk=export_pk
    )
    download_url = ""
    # for_user shows a researcher only the exports of their own projects; managers never
    # get the file.
    if request.user.role == Role.RESEARCHER and services.is_downloadable(export):
        download_url = reverse("evaluation:research_export_download", args=[export.pk])
    return job_progress.status_response(request, export, download_url, _("Download"))
