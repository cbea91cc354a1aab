"""Evaluation sessions: the manager's (or functional administrator's) form. The programme
page lists the sessions for everyone who may open it (views.programme_detail)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from vakwerk.fields import show_service_error
from vakwerk.idempotency import idempotent
from vakwerk.models import Programme
from vakwerk.permissions import role_required

from . import programme_evaluation as service
from .models import EvaluationSession
from .programme_evaluation_forms import EvaluationSessionForm, action_formset

EDITORS = tuple(service.EDITORS)


def programme_evaluation_url(programme):
    return f"{reverse('programme_detail', args=[programme.pk])}#evaluation"


@role_required(*EDITORS)
@idempotent
def session_edit(request, programme, pk=None):
    programme = get_object_or_404(Programme.objects.for_user(request.user), pk=programme)
    session = None
    if pk is not None:
        session = get_object_or_404(
            EvaluationSession.objects.for_user(request.user)
            .filter(programme=programme)
            .prefetch_related("attendees", "actions"),
            pk=pk,
        )
    data = request.POST if request.method == "POST" else None
    form = EvaluationSessionForm(
        data, programme=programme, initial=EvaluationSessionForm.initial_for(session, programme)
    )
    actions = action_formset(session, data)
    if request.method == "POST" and form.is_valid() and actions.is_valid():
        try:
            service.save_session(
                request.user, programme, session, **form.cleaned_data, actions=actions.actions()
            )
        except ValidationError as error:
            show_service_error(form, error)
        else:
            messages.success(request, _("The evaluation session has been saved."))
            return redirect(programme_evaluation_url(programme))
    back = programme_evaluation_url(programme)
    context = {
        "form": form,
        "actions": actions,
        "programme": programme,
        "session": session,
        "title": _("Evaluation session") if session else _("New evaluation session"),
        "cancel_url": back,
        "breadcrumbs": [
            (_("Programmes"), reverse("programme_list")),
            (programme.name, back),
        ],
    }
    return render(request, "evaluation/evaluation_session_form.html", context)
