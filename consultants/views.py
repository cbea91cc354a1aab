from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from vakwerk.downloads import attachment
from vakwerk.fields import show_service_error
from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import reminders, selectors, services
from .forms import (
    AssessmentForm,
    CompetencyForm,
    IntervisionSessionForm,
    ProfileForm,
    TrainingRecordForm,
)
from .models import Competency, ConsultantProfile


def _saved(form, write):
    """Runs a service write; its validation errors land on the form instead of a 500."""
    try:
        return write()
    except ValidationError as error:
        show_service_error(form, error)
        return None


def _back(user, consultant=None):
    """Where a form returns to: the consultant's own page, or the team for a manager."""
    if user.role == Role.CONSULTANT:
        return reverse("consultants:my_development")
    if consultant is not None:
        return reverse("consultants:consultant_detail", args=[consultant.pk])
    return reverse("consultants:team")


@role_required(Role.MANAGER)
def team(request):
    overview = selectors.team_overview(request.user)
    return render(request, "consultants/team.html", {"overview": overview})


@role_required(Role.CONSULTANT, Role.MANAGER)
def consultant_detail(request, pk):
    consultant = get_object_or_404(selectors.visible_consultants(request.user), pk=pk)
    development = selectors.consultant_development(request.user, consultant)
    return render(request, "consultants/consultant_detail.html", {"development": development})


def _my_page(request, new_calendar_url=None):
    context = {
        "development": selectors.consultant_development(request.user, request.user),
        "calendar_link": reminders.calendar_link(request.user),
        "calendar_section": True,
        "new_calendar_url": new_calendar_url,
    }
    return render(request, "consultants/consultant_detail.html", context)


@role_required(Role.CONSULTANT)
def my_development(request):
    return _my_page(request)


# The calendar link is shown once, in the answer to the POST that made it: only its hash
# is stored, so no later page can show it again. A repeated POST makes a new link that
# replaces the previous one (one row per user), so it needs no one-time key.
@role_required(Role.CONSULTANT)
@require_POST
def calendar_link_renew(request):
    token = reminders.renew_calendar_token(request.user)
    return _my_page(request, new_calendar_url=reminders.feed_url(token))


@role_required(Role.CONSULTANT)
@require_POST
def calendar_link_revoke(request):
    if reminders.revoke_calendar_token(request.user):
        messages.success(request, _("The calendar link has been revoked."))
    return redirect("consultants:my_development")


# No login: calendar clients send no session. The secret token is the key, and it opens
# only the feed of an active consultant whose link was not revoked (404 otherwise). Not
# audited per fetch: clients poll every hour and the feed holds participant numbers only.
@require_safe
def calendar_feed(request, token):
    consultant = reminders.feed_owner(token)
    if consultant is None:
        raise Http404
    return attachment(
        reminders.build_feed(consultant), "text/calendar", "vakwerk.ics", inline=True
    )


@role_required(Role.MANAGER)
def profile_edit(request, pk):
    consultant = get_object_or_404(selectors.visible_consultants(request.user), pk=pk)
    profile = ConsultantProfile.objects.for_user(request.user).filter(user=consultant).first()
    form = ProfileForm(request.POST or None, instance=profile)
    if request.method == "POST" and form.is_valid():
        services.update_profile(request.user, consultant, **form.cleaned_data)
        messages.success(request, _("The changes have been saved."))
        return redirect(_back(request.user, consultant))
    return form_page(
        request,
        form,
        str(consultant),
        _back(request.user, consultant),
        template="consultants/form.html",
    )


@role_required(Role.CONSULTANT, Role.MANAGER)
@idempotent
def training_create(request):
    form = TrainingRecordForm(
        request.POST or None,
        acting_user=request.user,
        initial={"consultant": request.GET.get("consultant")},
    )
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        record = _saved(form, lambda: services.record_training(request.user, **data))
        if record:
            messages.success(request, _("The training has been recorded."))
            return redirect(_back(request.user, record.consultant))
    return form_page(
        request, form, _("Record training"), _back(request.user), template="consultants/form.html"
    )


@role_required(Role.CONSULTANT, Role.MANAGER)
@idempotent
def intervision_create(request):
    initial = {"attendees": [request.user.pk]} if request.user.role == Role.CONSULTANT else {}
    form = IntervisionSessionForm(request.POST or None, acting_user=request.user, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        session = _saved(form, lambda: services.record_intervision(request.user, **data))
        if session:
            messages.success(request, _("The intervision session has been recorded."))
            return redirect(_back(request.user))
    return form_page(
        request,
        form,
        _("Record intervision session"),
        _back(request.user),
        template="consultants/form.html",
    )


@role_required(Role.MANAGER)
@idempotent
def assessment_create(request, pk):
    consultant = get_object_or_404(selectors.visible_consultants(request.user), pk=pk)
    form = AssessmentForm(
        request.POST or None, competencies=selectors.competencies(request.user).active()
    )
    if request.method == "POST" and form.is_valid():
        assessment = _saved(
            form,
            lambda: services.assess_competencies(
                request.user,
                consultant,
                assessed_on=form.cleaned_data["assessed_on"],
                scores=form.scores(),
            ),
        )
        if assessment:
            messages.success(request, _("The assessment has been saved."))
            return redirect(_back(request.user, consultant))
    title = _("Assess %(name)s") % {"name": consultant}
    return form_page(
        request, form, title, _back(request.user, consultant), template="consultants/form.html"
    )


@role_required(Role.ADMIN, Role.MANAGER)
def competency_list(request):
    context = {"competencies": selectors.competencies(request.user)}
    return render(request, "consultants/competency_list.html", context)


@role_required(Role.ADMIN)
@idempotent
def competency_edit(request, pk=None):
    competency = None
    if pk is not None:
        competency = get_object_or_404(Competency.objects.for_user(request.user), pk=pk)
    form = CompetencyForm(request.POST or None, instance=competency)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        saved = _saved(form, lambda: services.save_competency(request.user, competency, **data))
        if saved:
            messages.success(request, _("The changes have been saved."))
            return redirect("consultants:competency_list")
    title = competency.name if competency else _("New competency")
    return form_page(
        request,
        form,
        title,
        reverse("consultants:competency_list"),
        template="consultants/form.html",
    )
