from django.core.paginator import Paginator
from django.shortcuts import render

from vakwerk.permissions import role_required
from vakwerk.roles import Role

from .models import Participant

PAGE_SIZE = 25


@role_required(Role.CONSULTANT, Role.MANAGER)
def caseload(request):
    participants = Participant.objects.for_user(request.user).select_related("consultant")
    page = Paginator(participants, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "participants/caseload.html", {"page": page})
