"""The benefit register's pages: snapshots (upload; the import job's progress, preview and
confirmation) and the measured net effect. Managers and admins of the municipality only;
the work is in imports.py, services.py and selectors.py."""

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from vakwerk.db_routing import replica_reads
from vakwerk.idempotency import idempotent
from vakwerk.models import Programme
from vakwerk.permissions import role_required

from . import selectors, services
from .forms import NetEffectFilterForm, SnapshotUploadForm
from .models import REGISTER_ROLES, RegisterSnapshot, SnapshotImport


@role_required(*REGISTER_ROLES)
@idempotent
def snapshot_list(request):
    form = SnapshotUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        job = services.request_snapshot_import(
            request.user, form.cleaned_data["taken_on"], form.cleaned_data["file"]
        )
        return redirect("benefit_register:import", pk=job.pk)
    snapshots = RegisterSnapshot.objects.for_user(request.user)
    pending = selectors.open_imports(request.user)
    return render(
        request,
        "benefit_register/snapshot_list.html",
        {"form": form, "snapshots": snapshots, "pending": pending},
    )


@role_required(*REGISTER_ROLES)
def snapshot_detail(request, pk):
    snapshot = get_object_or_404(RegisterSnapshot.objects.for_user(request.user), pk=pk)
    return render(request, "benefit_register/snapshot_detail.html", {"snapshot": snapshot})


@never_cache
@role_required(*REGISTER_ROLES)
@idempotent
def import_detail(request, pk):
    """The import's progress, then its preview (figures and rows in error) with the
    confirmation, then the stored snapshot."""
    job = get_object_or_404(SnapshotImport.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        if "cancel" in request.POST:
            services.cancel_snapshot_import(request.user, job.pk)
            return redirect("benefit_register:snapshots")
        if "retry" in request.POST:
            services.retry_snapshot_import(request.user, job.pk)
        elif "confirm" in request.POST:
            _job, confirmed = services.confirm_snapshot_import(request.user, job.pk)
            if not confirmed:
                messages.error(request, _("This file cannot be stored (any more)."))
        return redirect("benefit_register:import", pk=job.pk)
    return render(request, "benefit_register/import_detail.html", {"job": job})


@role_required(*REGISTER_ROLES)
@replica_reads()
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
    dimensions = selectors.DIMENSIONS if programme else selectors.MUNICIPALITY_DIMENSIONS
    effects = selectors.net_effects(
        request.user.municipality, as_of, programme, dimensions=dimensions
    )
    tables = [(_("By programme"), _("Programme"), effects.table("programme"))]
    if programme:
        tables.append((_("By group"), _("Group"), effects.table("cohort")))
    tables += [
        (_("By target group"), _("Target group"), effects.table("target_group")),
        (_("By benefit type"), _("Benefit"), effects.table("benefit_type")),
    ]
    context = {
        "form": form,
        "effects": effects,
        "as_of": as_of,
        "is_today": as_of == today,
        "programme": programme,
        "follow_ups": selectors.FOLLOW_UPS,
        "tables": tables,
        "unmatched_reasons": selectors.UNMATCHED_REASONS,
    }
    return render(request, "benefit_register/net_effect.html", context)
