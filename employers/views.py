"""Employers as the WSP keeps them, and the employer portal: opportunities from draft to
the WSP's decision. Rows come only through `for_user` (another municipality's or another
employer's row is a 404); every write goes through employers.services."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from vakwerk.fields import show_service_error
from vakwerk.idempotency import idempotent
from vakwerk.models import User
from vakwerk.pages import form_page
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import services
from .forms import (
    ContactForm,
    ContactLogForm,
    EmployerForm,
    InviteForm,
    OpportunityFilterForm,
    OpportunityForm,
    ReviewForm,
)
from .models import (
    MUNICIPAL_ROLES,
    OPPORTUNITY_TRANSITIONS,
    Employer,
    EmployerContact,
    Match,
    MatchStage,
    Opportunity,
    OpportunityStatus,
)

PAGE_SIZE = 25
# Who reads an employer's page, and who keeps the employer's data and the contact log
# (consultants see the employer, not the WSP's log of its relationship).
EMPLOYER_READERS = (Role.WSP, Role.MANAGER, Role.CONSULTANT)
KEEPERS = (Role.WSP, Role.MANAGER)
# Who writes opportunities: the employer for itself, the WSP for any of its employers.
POSTERS = (Role.EMPLOYER, Role.WSP)
OPPORTUNITY_READERS = (Role.EMPLOYER, *MUNICIPAL_ROLES)
# Who opens the matching board (employers/matching_views.py uses this).
BOARD_ROLES = (Role.CONSULTANT, Role.WSP, Role.MANAGER, Role.EMPLOYER)


class CountedPaginator(Paginator):
    """A paginator told its total, so that it runs no COUNT query of its own."""

    def __init__(self, object_list, per_page, count):
        super().__init__(object_list, per_page)
        self._count = count

    @property
    def count(self):
        return self._count


def _employer(request, pk):
    return get_object_or_404(Employer.objects.for_user(request.user), pk=pk)


def scoped_opportunity(request, pk):
    queryset = Opportunity.objects.for_user(request.user).select_related("employer")
    return get_object_or_404(queryset, pk=pk)


def _save(request, form, write):
    """Runs a service write for a posted, valid form: its result, or None with the reasons
    on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return write(form.cleaned_data)
    except ValidationError as error:
        show_service_error(form, error)
        return None


def _refusals_to_messages(request, error):
    for message in error.messages:
        messages.error(request, message)


# Employers


@role_required(*MUNICIPAL_ROLES)
def employer_list(request):
    employers = (
        Employer.objects.for_user(request.user)
        .order_by("name", "pk")
        .annotate(
            open_opportunities=Count(
                "opportunities",
                filter=Q(
                    opportunities__status__in=[
                        OpportunityStatus.SUBMITTED,
                        OpportunityStatus.CONFIRMED,
                    ]
                ),
            )
        )
    )
    page = Paginator(employers, PAGE_SIZE).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "may_open": request.user.role in EMPLOYER_READERS,
        "may_add": request.user.role in KEEPERS,
    }
    return render(request, "employers/employer_list.html", context)


@role_required(*EMPLOYER_READERS)
def employer_detail(request, pk):
    user = request.user
    employer = get_object_or_404(
        Employer.objects.for_user(user).select_related("account_manager"), pk=pk
    )
    may_keep = user.role in KEEPERS
    context = {
        "employer": employer,
        "contacts": employer.contacts.all(),
        # Not even queried for consultants: the log is the WSP's.
        "contact_log": employer.contact_log.select_related("logged_by") if may_keep else None,
        "opportunities": Opportunity.objects.for_user(user).filter(employer=employer),
        "employer_users": User.objects.filter(employer_membership__employer=employer).order_by(
            "last_name", "first_name", "pk"
        ),
        "may_keep": may_keep,
        "may_invite": user.role == Role.WSP,
        "may_post": user.role in POSTERS,
    }
    return render(request, "employers/employer_detail.html", context)


@role_required(*KEEPERS)
@idempotent
def employer_create(request):
    form = EmployerForm(request.POST or None, user=request.user)
    employer = _save(request, form, lambda data: services.save_employer(request.user, **data))
    if employer:
        messages.success(request, _("%(name)s has been added.") % {"name": employer})
        return redirect("employers:employer_detail", employer.pk)
    return form_page(request, form, _("New employer"), reverse("employers:employer_list"))


@role_required(*KEEPERS)
def employer_edit(request, pk):
    employer = _employer(request, pk)
    form = EmployerForm(request.POST or None, instance=employer, user=request.user)
    saved = _save(
        request, form, lambda data: services.save_employer(request.user, employer, **data)
    )
    if saved:
        messages.success(request, _("The changes have been saved."))
        return redirect("employers:employer_detail", employer.pk)
    return form_page(
        request, form, _("Edit employer"), reverse("employers:employer_detail", args=[pk])
    )


@role_required(*KEEPERS)
@idempotent
def contact_create(request, pk):
    employer = _employer(request, pk)
    form = ContactForm(request.POST or None)
    if _save(request, form, lambda data: services.save_contact(request.user, employer, **data)):
        messages.success(request, _("The contact person has been added."))
        return redirect("employers:employer_detail", employer.pk)
    return form_page(
        request, form, _("New contact person"), reverse("employers:employer_detail", args=[pk])
    )


def _contact(request, pk, contact_pk):
    employer = _employer(request, pk)
    contact = get_object_or_404(EmployerContact.objects.filter(employer=employer), pk=contact_pk)
    contact.employer = employer  # already read and scoped; saves a query
    return contact


@role_required(*KEEPERS)
def contact_edit(request, pk, contact_pk):
    contact = _contact(request, pk, contact_pk)
    form = ContactForm(request.POST or None, instance=contact)
    employer = contact.employer
    if _save(
        request, form, lambda data: services.save_contact(request.user, employer, contact, **data)
    ):
        messages.success(request, _("The changes have been saved."))
        return redirect("employers:employer_detail", pk)
    return form_page(
        request, form, _("Edit contact person"), reverse("employers:employer_detail", args=[pk])
    )


@role_required(*KEEPERS)
@require_POST
def contact_delete(request, pk, contact_pk):
    contact = _contact(request, pk, contact_pk)
    services.delete_contact(request.user, contact)
    messages.success(request, _("%(name)s has been removed.") % {"name": contact.name})
    return redirect("employers:employer_detail", pk)


@role_required(*KEEPERS)
@idempotent
def contact_log_create(request, pk):
    employer = _employer(request, pk)
    form = ContactLogForm(request.POST or None, initial={"held_on": timezone.localdate()})
    if _save(request, form, lambda data: services.log_contact(request.user, employer, **data)):
        messages.success(request, _("The contact has been logged."))
        return redirect(reverse("employers:employer_detail", args=[pk]) + "#contact-log")
    return form_page(
        request, form, _("Log a contact"), reverse("employers:employer_detail", args=[pk])
    )


@role_required(Role.WSP)
@idempotent
def employer_invite(request, pk):
    employer = _employer(request, pk)
    form = InviteForm(request.POST or None)
    base_url = request.build_absolute_uri("/")
    invitation = _save(
        request,
        form,
        lambda data: services.invite_employer_user(
            request.user, employer, base_url=base_url, **data
        ),
    )
    if invitation:
        # The same answer whether or not the address has an account elsewhere.
        messages.success(
            request, _("%(email)s has been invited by e-mail.") % {"email": invitation.email}
        )
        return redirect("employers:employer_detail", employer.pk)
    return form_page(
        request,
        form,
        _("Invite an employer user"),
        reverse("employers:employer_detail", args=[pk]),
        template="employers/invite_form.html",
        employer=employer,
    )


# Opportunities


@role_required(*OPPORTUNITY_READERS)
def opportunity_list(request):
    user = request.user
    filters = OpportunityFilterForm(request.GET or None)
    chosen = {}
    if filters.is_valid():
        chosen = {name: value for name, value in filters.cleaned_data.items() if value}
    opportunities = Opportunity.objects.for_user(user)
    # The page's total and the WSP's "to review" count in one query.
    counts = opportunities.aggregate(
        total=Count("pk", filter=Q(**chosen)) if chosen else Count("pk"),
        to_review=Count("pk", filter=Q(status=OpportunityStatus.SUBMITTED)),
    )
    rows = opportunities.filter(**chosen).select_related("employer")
    page = CountedPaginator(rows, PAGE_SIZE, counts["total"]).get_page(request.GET.get("page"))
    context = {
        "page": page,
        "filters": filters,
        "query": urlencode(chosen),
        "to_review": counts["to_review"] if user.role == Role.WSP else None,
        "may_post": user.role in POSTERS,
    }
    return render(request, "employers/opportunity_list.html", context)


@role_required(*OPPORTUNITY_READERS)
def opportunity_detail(request, pk):
    user = request.user
    opportunity = scoped_opportunity(request, pk)
    next_statuses = OPPORTUNITY_TRANSITIONS[OpportunityStatus(opportunity.status)]
    may_post = user.role in POSTERS
    stages = dict(
        Match.objects.for_user(user)
        .filter(opportunity=opportunity)
        .values_list("stage")
        .annotate(count=Count("pk"))
        .order_by()
    )
    context = {
        "opportunity": opportunity,
        "may_edit": may_post and opportunity.is_editable,
        "may_submit": may_post and OpportunityStatus.SUBMITTED in next_statuses,
        "may_withdraw": may_post and OpportunityStatus.WITHDRAWN in next_statuses,
        "may_review": user.role == Role.WSP and opportunity.status == OpportunityStatus.SUBMITTED,
        "may_open_board": user.role in BOARD_ROLES,
        "may_open_employer": user.role in EMPLOYER_READERS,
        "match_counts": [(stage.label, stages[stage]) for stage in MatchStage if stage in stages],
    }
    return render(request, "employers/opportunity_detail.html", context)


@role_required(*POSTERS)
@idempotent
def opportunity_create(request):
    user = request.user
    initial = {"employer": request.GET.get("employer")} if user.role == Role.WSP else {}
    form = OpportunityForm(request.POST or None, user=user, initial=initial)

    def write(data):
        data = dict(data)
        employer = data.pop("employer", None) or get_object_or_404(Employer.objects.for_user(user))
        return services.save_opportunity(user, employer, **data)

    opportunity = _save(request, form, write)
    if opportunity:
        messages.success(
            request,
            _("The opportunity has been saved as a draft. Submit it when it is complete."),
        )
        return redirect("employers:opportunity_detail", opportunity.pk)
    return form_page(
        request,
        form,
        _("New opportunity"),
        reverse("employers:opportunity_list"),
        template="employers/opportunity_form.html",
    )


@role_required(*POSTERS)
def opportunity_edit(request, pk):
    opportunity = scoped_opportunity(request, pk)
    if not opportunity.is_editable:
        messages.error(request, _("Only a draft or a rejected opportunity can be edited."))
        return redirect("employers:opportunity_detail", pk)
    form = OpportunityForm(request.POST or None, instance=opportunity, user=request.user)
    saved = _save(
        request,
        form,
        lambda data: services.save_opportunity(
            request.user, opportunity.employer, opportunity, **data
        ),
    )
    if saved:
        messages.success(request, _("The changes have been saved."))
        return redirect("employers:opportunity_detail", pk)
    return form_page(
        request,
        form,
        _("Edit opportunity"),
        reverse("employers:opportunity_detail", args=[pk]),
        template="employers/opportunity_form.html",
        opportunity=opportunity,
    )


def _move(request, pk, service, done):
    opportunity = scoped_opportunity(request, pk)
    try:
        service(request.user, opportunity)
    except ValidationError as error:
        _refusals_to_messages(request, error)
    else:
        messages.success(request, done)
    return redirect("employers:opportunity_detail", pk)


@role_required(*POSTERS)
@require_POST
def opportunity_submit(request, pk):
    done = _("The opportunity has been submitted to the WSP.")
    return _move(request, pk, services.submit_opportunity, done)


@role_required(*POSTERS)
@require_POST
def opportunity_withdraw(request, pk):
    return _move(request, pk, services.withdraw_opportunity, _("The opportunity is withdrawn."))


@role_required(Role.WSP)
def opportunity_review(request, pk):
    opportunity = scoped_opportunity(request, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            if form.cleaned_data["decision"] == "confirm":
                services.confirm_opportunity(request.user, opportunity)
                messages.success(request, _("The opportunity has been confirmed."))
            else:
                services.reject_opportunity(request.user, opportunity, form.cleaned_data["reason"])
                messages.success(request, _("The opportunity has been rejected."))
        except ValidationError as error:
            _refusals_to_messages(request, error)
        return redirect("employers:opportunity_detail", pk)
    context = {"opportunity": opportunity, "form": form}
    return render(request, "employers/opportunity_review.html", context)
