"""The provisions of a participant, and the SRG deliveries for the municipality's admin.
Thin: reads in selectors, writes in services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.models import Participant
from vakwerk import audit, job_progress
from vakwerk.audit import AuditAction
from vakwerk.fields import show_service_error
from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import selectors, services, spec
from .forms import BuildForm, ProvisionForm
from .models import Provision

PROVISION_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN)


def _participant(request, pk):
    try:
        return selectors.participant_for(request.user, pk)
    except Participant.DoesNotExist as exc:
        raise Http404 from exc


def _page_url(participant):
    return reverse("provisions:participant", args=[participant.pk])


@role_required(*PROVISION_ROLES)
@idempotent
def participant_provisions(request, pk):
    participant = _participant(request, pk)
    form = ProvisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_provision(request.user, participant, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The provision has been added."))
            return redirect(_page_url(participant))
    provisions = selectors.provisions_of(request.user, participant)
    audit.record(request.user, AuditAction.VIEW, obj=participant, participant_id=participant.pk,
                 detail="provisions")  # fmt: skip
    return render(
        request,
        "provisions/participant_provisions.html",
        {
            "participant": participant,
            "provisions": provisions,
            "warnings": selectors.warnings(provisions),
            "form": form,
            "show_participant_link": request.user.role != Role.ADMIN,
        },
    )


@role_required(*PROVISION_ROLES)
def provision_edit(request, pk):
    provision = get_object_or_404(
        Provision.objects.for_user(request.user).select_related("participant", "kind"), pk=pk
    )
    participant = provision.participant
    if not provision.is_manual:
        messages.info(
            request,
            _("This provision follows from recorded work; change it where it was recorded."),
        )
        return redirect(_page_url(participant))
    form = ProvisionForm(request.POST or None, instance=provision)
    if request.method == "POST" and form.is_valid():
        try:
            services.change_provision(request.user, provision, **form.cleaned_data)
        except ValidationError as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The provision has been changed."))
            return redirect(_page_url(participant))
    return form_page(
        request,
        form,
        _("Change provision of %(name)s") % {"name": participant},
        _page_url(participant),
    )


def _delivery(request, pk):
    return get_object_or_404(selectors.deliveries_for(request.user), pk=pk)


@role_required(Role.ADMIN)
def delivery_list(request):
    today = timezone.localdate()
    form = BuildForm(today=today, initial={"month": services.last_month(today)})
    return render(
        request,
        "provisions/delivery_list.html",
        {
            "deliveries": selectors.deliveries_for(request.user)[:60],
            "form": form,
            "guideline": spec.GUIDELINE,
        },
    )


@require_POST
@role_required(Role.ADMIN)
@idempotent
def delivery_build(request):
    form = BuildForm(request.POST, today=timezone.localdate())
    if not form.is_valid():
        return render(
            request,
            "provisions/delivery_list.html",
            {
                "deliveries": selectors.deliveries_for(request.user)[:60],
                "form": form,
                "guideline": spec.GUIDELINE,
            },
            status=400,
        )
    # Built by a worker: re-deriving a large municipality's provisions takes longer than
    # a request may.
    delivery = services.request_delivery(request.user, form.cleaned_data["month"])
    messages.success(request, _("The SRG file has been requested and is built in the background."))
    return redirect("provisions:delivery", delivery.pk)


@role_required(Role.ADMIN)
def delivery_detail(request, pk):
    delivery = _delivery(request, pk)
    return render(
        request,
        "provisions/delivery_detail.html",
        {
            "delivery": delivery,
            "in_progress": job_progress.in_progress(delivery),
            "errors": selectors.errors_by_participant(delivery) if delivery.is_done else [],
            "guideline": spec.GUIDELINE,
        },
    )


def _download_url(delivery):
    if delivery.is_done and not delivery.file_removed:
        return reverse("provisions:delivery_download", args=[delivery.pk])
    return ""


@role_required(Role.ADMIN)
def delivery_status(request, pk):
    """The delivery page's live region asks this while the file is being built."""
    delivery = _delivery(request, pk)
    return job_progress.status_response(
        request, delivery, _download_url(delivery), _("Download SRG file")
    )


@role_required(Role.ADMIN)
def delivery_download(request, pk):
    delivery = _delivery(request, pk)
    storage = services.private_storage()
    # Not built yet, or removed after its retention period: there is nothing to hand out.
    if not _download_url(delivery) or not delivery.file_name:
        raise Http404
    if not storage.exists(delivery.file_name):
        raise Http404
    services.record_download(request.user, delivery)
    return FileResponse(
        storage.open(delivery.file_name, "rb"),
        as_attachment=True,
        filename=delivery.file_name.rsplit("/", 1)[-1],
        content_type="text/plain; charset=us-ascii",
    )
