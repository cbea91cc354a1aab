from django.shortcuts import render

from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import selectors
from .models import ResearchProject


@role_required(Role.MANAGER)
def dashboard(request):
    context = {
        "status_counts": selectors.status_counts(request.user),
        "programmes": selectors.programmes_with_goals(request.user),
    }
    return render(request, "evaluation/dashboard.html", context)


@role_required(Role.RESEARCHER, Role.MANAGER)
def research_projects(request):
    projects = ResearchProject.objects.for_user(request.user).prefetch_related("programmes")
    return render(request, "evaluation/research_projects.html", {"projects": projects})
