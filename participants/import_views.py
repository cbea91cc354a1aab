"""Import of participants: upload a file, check the preview, confirm. The file is read once,
at the upload; between the steps its rows wait in the private storage and the session
holds only their storage name."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.idempotency import idempotent
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import imports
from .forms_import import ImportUploadForm

SESSION_KEY = "participants_import_file"


def _discard(request):
    imports.delete_upload(request.session.pop(SESSION_KEY, None))


def _report(request, error):
    for message in error.messages:
        messages.error(request, message)


@role_required(Role.CONSULTANT, Role.MANAGER)
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _discard(request)
        request.session[SESSION_KEY] = imports.store_rows(request.user, form.rows)
        return redirect("participants:import_preview")
    return render(request, "participants/import_upload.html", {"form": form})


# The preview lists names and birth dates: no browser or proxy may keep a copy.
@never_cache
@role_required(Role.CONSULTANT, Role.MANAGER)
@idempotent
def import_preview(request):
    if not request.session.get(SESSION_KEY) or "cancel" in request.POST:
        _discard(request)
        return redirect("participants:import_upload")
    try:
        rows = imports.load_rows(request.user, request.session[SESSION_KEY])
    except ValidationError as error:
        _discard(request)
        _report(request, error)
        return redirect("participants:import_upload")
    if request.method == "POST" and "confirm" in request.POST:
        return _confirm(request, rows)
    preview = imports.validate_rows(request.user, rows)
    # Which BSNs are known here is a read of personal data: counts only, never a BSN.
    audit.record(request.user, AuditAction.SEARCH, detail=f"import preview: {len(preview.rows)} "
                 f"rows, {len(preview.skipped_rows)} already registered")  # fmt: skip
    only_errors = request.GET.get("show") == "errors"
    context = {
        "preview": preview,
        "rows": preview.error_rows if only_errors else preview.rows,
        "only_errors": only_errors,
    }
    return render(request, "participants/import_preview.html", context)


def _confirm(request, rows):
    try:
        result = imports.import_rows(request.user, rows)
    except ValidationError as error:
        _report(request, error)
        return redirect("participants:import_preview")
    _discard(request)
    messages.success(
        request,
        ngettext(
            "%(created)s participant imported, %(skipped)s skipped.",
            "%(created)s participants imported, %(skipped)s skipped.",
            result.created,
        )
        % result._asdict(),
    )
    return redirect("participants:caseload")
