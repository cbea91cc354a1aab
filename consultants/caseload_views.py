"""The consultant's work with their participants: the caseload, the task list and
logging a coaching session. Their URLs stay in the participants namespace
(`consultants.caseload_urls`, included there by the root urlconf)."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from participants.forms import BsnSearchForm
from participants.views import STAFF, participant_url, scoped_participant
from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.paging import query_without
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import caseload_selectors as selectors
from . import caseload_table, services
from .forms import CaseloadFilterForm, CoachingSessionForm

PAGE_SIZE = 25


@role_required(*STAFF)
def caseload(request):
    form = CaseloadFilterForm(request.GET or None, user=request.user)
    filters = form.cleaned_data if form.is_valid() else {}
    members = filters.get("members") or selectors.OWN
    participants = selectors.caseload_pages(
        request.user,
        status=filters.get("status", ""),
        target_group=filters.get("target_group", ""),
        benefit_type=filters.get("benefit_type", ""),
        cohort=filters.get("cohort"),
        search=filters.get("q", ""),
        sort=filters.get("sort") or "name",
        potential=filters.get("potential", ""),
        members=members,
    )
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    query = query_without(request, "page")
    context = {
        "page": page,
        "table": caseload_table.table_html(page, request.user, members),
        "filter_form": form,
        "query": query,
        "sections": selectors.caseload_sections(request.user),
        "members": members,
        "tasks": selectors.task_counts(request.user),
        "bsn_form": BsnSearchForm(),
    }
    return render(request, "consultants/caseload.html", context)


@role_required(*STAFF)
def tasks(request):
    context = {"tasks": selectors.task_list(request.user), "today": timezone.localdate()}
    return render(request, "consultants/tasks.html", context)


@role_required(Role.CONSULTANT)
@idempotent
def session_create(request, pk):
    participant = scoped_participant(request, pk)
    form = CoachingSessionForm(
        request.POST or None, minutes=services.usual_session_minutes(request.user)
    )
    if request.method == "POST" and form.is_valid():
        services.log_coaching_session(request.user, participant, **form.cleaned_data)
        messages.success(request, _("The coaching session has been logged."))
        return redirect("participants:detail", participant.pk)
    return form_page(
        request,
        form,
        _("Coaching session with %(name)s") % {"name": participant},
        participant_url(participant),
    )
