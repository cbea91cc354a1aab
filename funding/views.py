"""Funds, the ledger, commitments and the ledger exports. Each view checks login and role,
reads rows only through `for_user` (another municipality's rows answer 404) and leaves
every write to `services`, which checks the rules again."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from participants.models import Participant
from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.downloads import attachment
from vakwerk.idempotency import idempotent
from vakwerk.pages import form_page
from vakwerk.paging import keyset_page, query_without
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import exports, fund_tables, selectors, services
from .forms import (
    CommitmentRequestForm,
    CorrectionForm,
    DepositForm,
    ExpenditureForm,
    FundForm,
    RejectForm,
)
from .models import Commitment, EntryKind, Fund, LedgerEntry

PAGE_SIZE = 50
COMMITMENTS_PAGE_SIZE = 25
# Admins read the books (the models let them); only managers move money.
READERS = (Role.MANAGER, Role.ADMIN)


def sees_participants(user):
    """Admins keep the books but see no participants (`Participant.objects.for_user` gives
    them none): the books show them participant numbers instead of names."""
    return user.role != Role.ADMIN


# Which form field a service's refusal belongs to, by its error code.
ERROR_FIELDS = {
    "target_group": "fund",
    "benefit_type": "fund",
    "no_job_intention": "match",
    "insufficient": "amount",
    "overspend": "amount",
}


def _saved(form, write):
    """Runs a service write; its refusals land on the form instead of a 500."""
    try:
        return write()
    except ValidationError as error:
        if hasattr(error, "error_dict"):
            for name, errors in error.error_dict.items():
                form.add_error(name if name in form.fields else None, errors)
        else:
            for item in error.error_list:
                field = ERROR_FIELDS.get(item.code)
                form.add_error(field if field in form.fields else None, item)
        return None


def _fund(request, pk):
    return get_object_or_404(Fund.objects.for_user(request.user), pk=pk)


def _commitment(request, pk):
    queryset = Commitment.objects.for_user(request.user).select_related("fund", "participant")
    return get_object_or_404(queryset, pk=pk)


def _fund_crumbs(fund=None):
    crumbs = [(_("Funds"), reverse("funding:fund_list"))]
    if fund is not None:
        crumbs.append((fund.name, reverse("funding:fund_detail", args=[fund.pk])))
    return crumbs


def _show_errors(request, error):
    for message in error.messages:
        messages.error(request, message)


@role_required(*READERS)
def fund_list(request):
    context = {
        "funds": selectors.funds_overview(request.user),
        "queue_count": selectors.approval_queue(request.user).count(),
    }
    return render(request, "funding/fund_list.html", context)


@role_required(Role.MANAGER)
@idempotent
def fund_create(request):
    form = FundForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        fund = _saved(form, lambda: services.create_fund(request.user, **data))
        if fund:
            messages.success(request, _("The fund has been created."))
            return redirect("funding:fund_detail", fund.pk)
    cancel = reverse("funding:fund_list")
    return form_page(request, form, _("New fund"), cancel, breadcrumbs=_fund_crumbs())


@role_required(*READERS)
def fund_detail(request, pk):
    fund = selectors.fund_for_page(request.user, pk)
    if fund is None:
        raise Http404
    entries = selectors.ledger(request.user, fund)
    # Both lists page on their own (`from`, `open`): a fund of a region has thousands of
    # entries and well over a thousand open commitments. The ledger pages by keyset: its
    # oldest entries cost no more to show than its newest.
    commitments = Paginator(
        selectors.open_commitment_pages(request.user, fund), COMMITMENTS_PAGE_SIZE
    ).get_page(request.GET.get("open"))
    page = keyset_page(entries, request.GET.get("from"), PAGE_SIZE, "booked_at")
    names = sees_participants(request.user)
    context = {
        "fund": fund,
        "page": page,
        "commitments": commitments,
        "commitments_table": fund_tables.commitments_html(request, fund, commitments, names),
        "ledger_table": fund_tables.ledger_html(request, page, names),
        "ledger_query": query_without(request, "from"),
        "commitments_query": query_without(request, "open"),
    }
    return render(request, "funding/fund_detail.html", context)


@role_required(Role.MANAGER)
@idempotent
def deposit(request, pk):
    fund = _fund(request, pk)
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(form, lambda: services.deposit(request.user, fund, **data)):
            messages.success(request, _("The deposit has been booked."))
            return redirect("funding:fund_detail", fund.pk)
    title = _("Deposit into %(fund)s") % {"fund": fund.name}
    back = reverse("funding:fund_detail", args=[fund.pk])
    return form_page(request, form, title, back, breadcrumbs=_fund_crumbs(fund))


@role_required(Role.MANAGER)
@idempotent
def expenditure(request, pk):
    fund = _fund(request, pk)
    initial = {"commitment": request.GET.get("commitment")}
    commitments = selectors.open_commitments(request.user, fund)
    form = ExpenditureForm(request.POST or None, initial=initial, commitments=commitments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(form, lambda: services.book_expenditure(request.user, fund, **data)):
            messages.success(request, _("The expenditure has been booked."))
            return redirect("funding:fund_detail", fund.pk)
    title = _("Expenditure from %(fund)s") % {"fund": fund.name}
    back = reverse("funding:fund_detail", args=[fund.pk])
    return form_page(request, form, title, back, breadcrumbs=_fund_crumbs(fund))


@role_required(Role.MANAGER)
@idempotent
def correction(request, entry_pk):
    queryset = LedgerEntry.objects.for_user(request.user).select_related("fund", "booked_by")
    entry = get_object_or_404(queryset, pk=entry_pk)
    if entry.kind == EntryKind.CORRECTION:
        # A correction of a correction corrects the original (services.correct): show that.
        entry = get_object_or_404(queryset, pk=entry.corrects_id)
    form = CorrectionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(form, lambda: services.correct(request.user, entry, **data)):
            messages.success(request, _("The correction has been booked."))
            return redirect("funding:fund_detail", entry.fund_id)
    back = reverse("funding:fund_detail", args=[entry.fund_id])
    return form_page(request, form, _("Correct entry %(number)s") % {"number": entry.pk},
                      back, "funding/correction_form.html", entry=entry,
                      breadcrumbs=_fund_crumbs(entry.fund))  # fmt: skip


@role_required(Role.CONSULTANT)
@idempotent
def commitment_request(request, participant_pk):
    participant = get_object_or_404(Participant.objects.for_user(request.user), pk=participant_pk)
    form = CommitmentRequestForm(request.POST or None, user=request.user, participant=participant)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _saved(form, lambda: services.request_commitment(request.user, participant=participant,
                                                            **data)):  # fmt: skip
            messages.success(request, _("The commitment has been requested."))
            return redirect("funding:participant_commitments", participant.pk)
    back = reverse("funding:participant_commitments", args=[participant.pk])
    title = _("Request a commitment for %(name)s") % {"name": participant}
    crumbs = [(str(participant), reverse("participants:detail", args=[participant.pk])),
              (_("Commitments"), back)]  # fmt: skip
    return form_page(request, form, title, back, "funding/commitment_form.html",
                      participant=participant, breadcrumbs=crumbs)  # fmt: skip


@role_required(Role.CONSULTANT, Role.MANAGER)
def participant_commitments(request, participant_pk):
    participant = get_object_or_404(Participant.objects.for_user(request.user), pk=participant_pk)
    commitments = selectors.with_open_amounts(
        Commitment.objects.for_user(request.user)
        .filter(participant=participant)
        .select_related("fund", "requested_by", "decided_by", "match__opportunity__employer")
    ).order_by("-requested_at", "-pk")
    # What a participant received is personal data: reading it is logged like the page.
    audit.record(request.user, AuditAction.VIEW, obj=participant, participant_id=participant.pk,
                 detail="commitments")  # fmt: skip
    context = {"participant": participant, "commitments": commitments}
    return render(request, "funding/participant_commitments.html", context)


@role_required(Role.MANAGER)
def approval_queue(request):
    page = Paginator(selectors.approval_queue(request.user), PAGE_SIZE)
    page = page.get_page(request.GET.get("page"))
    # The balances of the funds on this page in one query, to show what approving leaves.
    funds = selectors.funds_overview(request.user).filter(
        pk__in={commitment.fund_id for commitment in page}
    )
    available = {fund.pk: fund.available for fund in funds}
    for commitment in page:
        commitment.fund_available = available.get(commitment.fund_id)
    return render(request, "funding/approval_queue.html", {"page": page})


@role_required(Role.MANAGER)
@require_POST
def approve(request, commitment_pk):
    commitment = _commitment(request, commitment_pk)
    try:
        services.approve_commitment(request.user, commitment)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        messages.success(request, _("The commitment has been approved."))
    return redirect("funding:approval_queue")


@role_required(Role.MANAGER)
def reject(request, commitment_pk):
    commitment = _commitment(request, commitment_pk)
    form = RejectForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        reason = form.cleaned_data["reason"]
        if _saved(form, lambda: services.reject_commitment(request.user, commitment, reason)):
            messages.success(request, _("The commitment has been rejected."))
            return redirect("funding:approval_queue")
    title = _("Reject “%(purpose)s”") % {"purpose": commitment.purpose}
    back = reverse("funding:approval_queue")
    return form_page(request, form, title, back, "funding/reject_form.html",
                      commitment=commitment)  # fmt: skip


@role_required(Role.MANAGER)
@require_POST
def release(request, commitment_pk):
    commitment = _commitment(request, commitment_pk)
    try:
        entry = services.release_rest(request.user, commitment)
    except ValidationError as error:
        _show_errors(request, error)
    else:
        if entry is None:
            messages.success(request, _("The commitment has been closed; nothing was left."))
        else:
            messages.success(request, _("The commitment has been closed; the rest is released."))
    return redirect("funding:fund_detail", commitment.fund_id)


@role_required(*READERS)
def ledger_export(request, pk, fmt):
    fund = _fund(request, pk)
    entries = selectors.ledger(request.user, fund).order_by("booked_at", "pk")
    audit.record(request.user, AuditAction.EXPORT, obj=fund, detail=f"ledger export {fmt}")
    names = sees_participants(request.user)
    if fmt == "xlsx":
        content = exports.ledger_xlsx(fund, entries, names)
        content_type = exports.XLSX_TYPE
    else:
        content = exports.ledger_csv(fund, entries, names)
        content_type = "text/csv; charset=utf-8"
    return attachment(content, content_type, exports.filename(fund, fmt))
