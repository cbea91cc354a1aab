"""The savings report, the versions of its assumptions, the replenishment of the revolving
fund and what a social impact bond owes. Views check login and role, read through
`for_user` (another municipality's fund answers 404) and leave writes to `savings` and
`services`."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from vakwerk.db_routing import replica_reads
from vakwerk.fields import parse_id
from vakwerk.idempotency import idempotent
from vakwerk.models import Programme
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import savings
from .forms import AssumptionsForm, PreviewForm
from .models import Fund, FundKind, SavingsAssumptions
from .templatetags.money import euro

READERS = (Role.MANAGER, Role.ADMIN)


def _versions(user):
    return SavingsAssumptions.objects.for_user(user).select_related("created_by")


def _current(user):
    return _versions(user).order_by("-version").first()


def _percent(value):
    return value * 100 if value is not None else None


def _programme_funds(user):
    """The revolving funds and bonds of each programme, for the links under its report."""
    funds = {}
    queryset = (
        Fund.objects.for_user(user)
        .filter(kind__in=(FundKind.REVOLVING, FundKind.SOCIAL_IMPACT_BOND))
        .exclude(programme=None)
        .order_by("name", "pk")
    )
    for fund in queryset:
        funds.setdefault(fund.programme_id, []).append(fund)
    return funds


@role_required(*READERS)
@idempotent
def savings_report(request):
    user = request.user
    municipality = user.municipality
    if request.method == "POST":
        if user.role != Role.MANAGER:
            raise PermissionDenied
        form = AssumptionsForm(request.POST)
        if form.is_valid():
            try:
                version = savings.new_assumptions_version(user, municipality, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(
                    request,
                    _("Version %(version)s of the savings assumptions has been saved.")
                    % {"version": version.version},
                )
                return redirect("funding:savings")
    else:
        form = None

    versions = list(_versions(user).order_by("-version").values_list("version", flat=True))
    current = _current(user)
    assumptions = current or savings.default_assumptions(municipality)
    chosen = parse_id(request.GET.get("version"))
    if chosen is not None and chosen != getattr(current, "version", None):
        assumptions = get_object_or_404(_versions(user), version=chosen)
    if form is None and user.role == Role.MANAGER:
        initial = {name: getattr(assumptions, name) for name in savings.ASSUMPTION_FIELDS}
        form = AssumptionsForm(initial=initial)

    preview_form = PreviewForm(request.GET if request.GET.get("duration") else None)
    preview = None
    if preview_form.is_bound and preview_form.is_valid():
        duration = preview_form.cleaned_data["duration"]
        preview = savings.preview_assumptions(assumptions, remaining_duration_years=duration)

    today = timezone.localdate()
    funds = _programme_funds(user)
    programmes = list(Programme.objects.for_user(user).order_by("start_date", "pk"))
    # All programmes in one go: three grouped queries, not three per programme, and the
    # register's net effects once for both calculations. The figures from the read replica,
    # if there is one, as on the dashboard (vakwerk/db_routing.py: a manager who just saved
    # a version is pinned to the primary); the assumptions and funds from the primary.
    with replica_reads():
        effects = savings.register_effects(programmes, today)
        results = savings.compute_savings_of(programmes, assumptions, today, effects=effects)
        previews = (
            savings.compute_savings_of(programmes, preview, today, effects=effects)
            if preview
            else [None] * len(programmes)
        )
    reports = [
        {
            "programme": programme,
            "result": result,
            "rate_percent": _percent(result.counterfactual_rate),
            "preview": previewed,
            "funds": funds.get(programme.pk, []),
        }
        for programme, result, previewed in zip(programmes, results, previews, strict=True)
    ]
    context = {
        "assumptions": assumptions,
        "assumption_rows": savings.assumption_rows(assumptions, results),
        "is_current": current is None or assumptions.pk == current.pk,
        "versions": versions,
        "preview": preview,
        "preview_form": preview_form,
        "reports": reports,
        "form": form,
        "next_version": (versions[0] if versions else 0) + 1,
        "on_date": today,
    }
    return render(request, "funding/savings.html", context)


@role_required(*READERS)
def assumptions_history(request):
    versions = [
        {"assumptions": version, "rows": savings.assumption_rows(version)}
        for version in _versions(request.user).order_by("-version")
    ]
    labels = [
        SavingsAssumptions._meta.get_field(name).verbose_name for name in savings.ASSUMPTION_FIELDS
    ]
    context = {"versions": versions, "labels": labels}
    return render(request, "funding/savings_history.html", context)


def _fund_crumbs(fund):
    return [
        (_("Funds"), reverse("funding:fund_list")),
        (fund.name, reverse("funding:fund_detail", args=[fund.pk])),
    ]


@role_required(Role.MANAGER)
@idempotent
def replenishment(request, pk):
    user = request.user
    fund = get_object_or_404(
        Fund.objects.for_user(user).select_related("programme"), pk=pk, kind=FundKind.REVOLVING
    )
    assumptions = _current(user)
    if request.method == "POST":
        try:
            entry, _proposal = savings.book_proposed_replenishment(user, fund, assumptions)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("funding:replenishment", fund.pk)
        messages.success(
            request,
            _("A replenishment of %(amount)s has been booked.") % {"amount": euro(entry.amount)},
        )
        return redirect("funding:fund_detail", fund.pk)

    proposal = None
    if fund.programme is not None:
        used = assumptions or savings.default_assumptions(user.municipality)
        # The figures from the read replica, if there is one; booking (the POST above)
        # computes them again on the primary.
        with replica_reads():
            result = savings.compute_savings(fund.programme, used)
        proposal = savings.replenishment_proposal(fund, result)
    context = {
        "fund": fund,
        "assumptions": assumptions,
        "proposal": proposal,
        "breadcrumbs": _fund_crumbs(fund),
    }
    return render(request, "funding/savings_replenishment.html", context)


@role_required(*READERS)
def bond(request, pk):
    user = request.user
    fund = get_object_or_404(
        Fund.objects.for_user(user).select_related("programme", "bond"),
        pk=pk,
        kind=FundKind.SOCIAL_IMPACT_BOND,
    )
    terms = getattr(fund, "bond", None)
    assumptions = _current(user) or savings.default_assumptions(user.municipality)
    owed = None
    if terms is not None and fund.programme is not None:
        # The figures from the read replica, if there is one (vakwerk/db_routing.py).
        with replica_reads():
            owed = savings.bond_owed(terms, fund.programme, assumptions)
    context = {
        "fund": fund,
        "terms": terms,
        "owed": owed,
        "assumptions": assumptions,
        "breadcrumbs": _fund_crumbs(fund),
    }
    return render(request, "funding/bond.html", context)
