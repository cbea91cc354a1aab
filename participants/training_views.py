"""Participants' training (the plan's "vakopleiding"): the consultant's create and edit
pages, reached from the participant page, which lists the trainings (selectors)."""

import copy

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import services
from .models import Training
from .training_forms import TrainingForm
from .views import participant_url, scoped_participant


def _back(participant):
    return f"{participant_url(participant)}#trainings"


def _page(request, form, title, participant):
    return form_page(
        request,
        form,
        title,
        _back(participant),
        template="participants/training_form.html",
        participant=participant,
        breadcrumbs=[
            (_("My caseload"), reverse("participants:caseload")),
            (str(participant), participant_url(participant)),
        ],
    )


@role_required(Role.CONSULTANT)
@idempotent
def training_create(request, pk):
    participant = scoped_participant(request, pk)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_training(request.user, participant, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The training has been saved."))
            return redirect(_back(participant))
    return _page(
        request, form, _("New training for %(name)s") % {"name": participant}, participant
    )


@role_required(Role.CONSULTANT)
@idempotent
def training_edit(request, pk):
    training = get_object_or_404(
        Training.objects.for_user(request.user).select_related("participant"), pk=pk
    )
    participant = training.participant
    # The form writes what it read into its instance; the service compares with the
    # training as it was, for the field history.
    form = TrainingForm(request.POST or None, instance=copy.copy(training))
    if request.method == "POST" and form.is_valid():
        try:
            services.update_training(request.user, training, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The training has been saved."))
            return redirect(_back(participant))
    return _page(request, form, _("Training of %(name)s") % {"name": participant}, participant)
