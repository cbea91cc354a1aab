from django.core.paginator import Paginator
from django.db.models import Count, Prefetch
from django.shortcuts import get_object_or_404, render

from evaluation.questionnaires.models import Stakeholder
from vakwerk.db_routing import replica_reads
from vakwerk.models import Phase, Programme, ProgrammeGoal
from vakwerk.paging import query_without
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import charts, programme_evaluation, selectors
from .forms import PeriodForm

# Who may open the programme pages.
PROGRAMME_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.ADMIN, Role.WSP)


@role_required(Role.MANAGER)
@replica_reads()
def dashboard(request):
    """The municipality's figures, or one programme's (`?programme=`), in a period.
    A programme of another municipality is no valid choice: the form rejects it."""
    user = request.user
    form = PeriodForm(request.GET or None, user=user)
    programme = form.cleaned_data.get("programme") if form.is_valid() else None
    period = form.period()
    # The programmes to choose from are the municipality's programmes the dashboard shows:
    # one query (and one for their goals) serves both the choice list and the figures.
    choices = form.fields["programme"]
    choices.queryset = choices.queryset.prefetch_related("goals")
    programmes = list(choices.queryset)
    figures = selectors.dashboard(
        selectors.scope_for(user, programme), period, programmes=programmes
    )
    context = {
        "form": form,
        "programme": programme,
        "figures": figures,
        "charts": charts.dashboard_charts(figures, user.municipality.colour),
        "savings_chart": charts.savings_chart(figures.savings, user.municipality.colour),
        # Kept for the status cards (and for whoever reads them from the context).
        "status_counts": figures.status_counts,
    }
    return render(request, "evaluation/dashboard.html", context)


GROUPS_PER_PAGE = 50


@role_required(Role.MANAGER)
@replica_reads()
def dashboard_groups(request):
    """Outcomes of every group, for the municipality or one programme, in a period: the
    dashboard shows only the most recent ones."""
    user = request.user
    form = PeriodForm(request.GET or None, user=user)
    programme = form.cleaned_data.get("programme") if form.is_valid() else None
    rows = selectors.group_outcomes(selectors.scope_for(user, programme), form.period())
    context = {
        "form": form,
        "programme": programme,
        "page": Paginator(rows, GROUPS_PER_PAGE).get_page(request.GET.get("page")),
        "query": query_without(request, "page"),
    }
    return render(request, "evaluation/dashboard_groups.html", context)


@role_required(*PROGRAMME_ROLES)
def programme_list(request):
    programmes = (
        Programme.objects.for_user(request.user)
        .annotate(activity_count=Count("activities", distinct=True))
        .order_by("-start_date", "name")
    )
    return render(request, "evaluation/programme_list.html", {"programmes": programmes})


@role_required(*PROGRAMME_ROLES)
def programme_detail(request, pk):
    programme = get_object_or_404(
        Programme.objects.for_user(request.user).prefetch_related(
            "activities", Prefetch("goals", queryset=ProgrammeGoal.objects.order_by("pk"))
        ),
        pk=pk,
    )
    # The figures from the read replica, if there is one (vakwerk/db_routing.py), as on the
    # dashboard; the programme itself and what users write on this page (stakeholders,
    # evaluation sessions) from the primary.
    with replica_reads():
        goals = selectors.goals_with_actuals(programme)
        network = selectors.network_change(selectors.Scope(programme.municipality_id, programme))
    context = {
        "programme": programme,
        "goals": goals,
        "network": network,
        "stakeholders": Stakeholder.objects.for_user(request.user).filter(programme=programme),
        "phases": Phase.choices,
        "programme_evaluation": programme_evaluation.programme_evaluation(request.user, programme),
        "can_edit_evaluation": programme_evaluation.can_edit(request.user, programme),
    }
    return render(request, "evaluation/programme_detail.html", context)
