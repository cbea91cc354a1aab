"""The benefit register's pages: snapshots (upload, preview, confirm) and the measured net
effect. Managers and admins of the municipality only; the work is in imports.py,
services.py and selectors.py."""

import datetime

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from participants import imports as participant_imports
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.idempotency import idempotent
from vakwerk.models import Programme
from vakwerk.permissions import role_required

from . import imports, selectors, services
from .forms import NetEffectFilterForm, SnapshotUploadForm
from .models import REGISTER_ROLES, RegisterSnapshot

SESSION_KEY = "benefit_register_import"


def _discard(request):
    stored = request.session.pop(SESSION_KEY, None) or {}
    participant_imports.delete_upload(stored.get("name"))


@role_required(*REGISTER_ROLES)
def snapshot_list(request):
    form = SnapshotUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        _discard(request)
        request.session[SESSION_KEY] = {
            "name": participant_imports.store_rows(request.user, form.rows),
            "taken_on": form.cleaned_data["taken_on"].isoformat(),
        }
        return redirect("benefit_register:preview")
    snapshots = RegisterSnapshot.objects.for_user(request.user)
    return render(
        request, "benefit_register/snapshot_list.html", {"form": form, "snapshots": snapshots}
    )


@role_required(*REGISTER_ROLES)
def snapshot_detail(request, pk):
    snapshot = get_object_or_404(RegisterSnapshot.objects.for_user(request.user), pk=pk)
    return render(request, "benefit_register/snapshot_detail.html", {"snapshot": snapshot})


@never_cache
@role_required(*REGISTER_ROLES)
@idempotent
def snapshot_preview(request):
    stored = request.session.get(SESSION_KEY)
    if not stored or "cancel" in request.POST:
        _discard(request)
        return redirect("benefit_register:snapshots")
    taken_on = datetime.date.fromisoformat(stored["taken_on"])
    try:
        rows = participant_imports.load_rows(request.user, stored["name"])
    except ValidationError as error:
        _discard(request)
        for message in error.messages:
            messages.error(request, message)
        return redirect("benefit_register:snapshots")
    if request.method == "POST" and "confirm" in request.POST:
        try:
            result = services.import_snapshot(request.user, taken_on, rows)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("benefit_register:preview")
        _discard(request)
        messages.success(
            request,
            _("Snapshot of %(date)s stored: %(people)s people, %(left)s left since the "
              "previous one.")
            % {"date": taken_on.strftime("%d-%m-%Y"), "people": result.people,
               "left": result.left},
        )  # fmt: skip
        return redirect("benefit_register:snapshot", pk=result.snapshot.pk)
    preview = imports.validate_rows(request.user, taken_on, rows)
    audit.record(request.user, AuditAction.SEARCH,
                 detail=f"benefit register preview: {len(preview.rows)} rows")  # fmt: skip
    return render(request, "benefit_register/snapshot_preview.html", {"preview": preview})


@role_required(*REGISTER_ROLES)
def net_effect(request):
    programmes = Programme.objects.for_user(request.user).order_by("name")
    form = NetEffectFilterForm(request.GET or None, programmes=programmes)
    today = timezone.localdate()
    as_of, programme = today, None
    if request.GET and form.is_valid():
        as_of = min(form.cleaned_data["as_of"] or today, today)
        programme = form.cleaned_data["programme"]
    elif "programme" in form.errors:
        # A programme of another municipality (or none at all) is not a page of theirs.
        raise Http404
    effects = selectors.net_effects(request.user.municipality, as_of, programme)
    context = {
        "form": form,
        "effects": effects,
        "as_of": as_of,
        "is_today": as_of == today,
        "programme": programme,
        "follow_ups": selectors.FOLLOW_UPS,
        "tables": [
            (_("By programme"), _("Programme"), effects.table("programme")),
            (_("By group"), _("Group"), effects.table("cohort")),
            (_("By target group"), _("Target group"), effects.table("target_group")),
            (_("By benefit type"), _("Benefit"), effects.table("benefit_type")),
        ],
        "unmatched_reasons": selectors.UNMATCHED_REASONS,
    }
    return render(request, "benefit_register/net_effect.html", context)
