from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import render

from vakwerk.permissions import role_required
from vakwerk.roles import Role

from .models import MUNICIPAL_ROLES, Employer, Opportunity, OpportunityStatus

PAGE_SIZE = 25


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
    return render(request, "employers/employer_list.html", {"page": page})


@role_required(Role.EMPLOYER, *MUNICIPAL_ROLES)
def opportunity_list(request):
    opportunities = Opportunity.objects.for_user(request.user).select_related("employer")
    page = Paginator(opportunities, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "employers/opportunity_list.html", {"page": page})
