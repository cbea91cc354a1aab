from django.core.paginator import Paginator
from django.shortcuts import render

from vakwerk.paging import query_without
from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import charts, selectors
from .dashboard_forms import PeriodForm
from .models import ResearchProject


@role_required(Role.MANAGER)
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


@role_required(Role.RESEARCHER, Role.MANAGER)
def research_projects(request):
    projects = ResearchProject.objects.for_user(request.user).prefetch_related("programmes")
    return render(request, "evaluation/research_projects.html", {"projects": projects})
