# Funds, ledger, commitments and exports.
from django.urls import path

from . import views

urlpatterns = [
    path("funds/", views.fund_list, name="fund_list"),
    path("funds/new/", views.fund_create, name="fund_create"),
    path("funds/<int:pk>/", views.fund_detail, name="fund_detail"),
    path("funds/<int:pk>/deposit/", views.deposit, name="deposit"),
    path("funds/<int:pk>/expenditure/", views.expenditure, name="expenditure"),
    # One name for both formats: reverse("funding:ledger_export", kwargs={"pk": …,
    # "fmt": "csv"}) picks the route whose fixed format matches.
    path("funds/<int:pk>/ledger.xlsx", views.ledger_export, {"fmt": "xlsx"}, name="ledger_export"),
    path("funds/<int:pk>/ledger.csv", views.ledger_export, {"fmt": "csv"}, name="ledger_export"),
    path("ledger/<int:entry_pk>/correct/", views.correction, name="correction"),
    path(
        "participants/<int:participant_pk>/commitments/",
        views.participant_commitments,
        name="participant_commitments",
    ),
    path(
        "participants/<int:participant_pk>/commitments/new/",
        views.commitment_request,
        name="commitment_request",
    ),
    path("commitments/", views.approval_queue, name="approval_queue"),
    path("commitments/<int:commitment_pk>/approve/", views.approve, name="approve"),
    path("commitments/<int:commitment_pk>/reject/", views.reject, name="reject"),
    path("commitments/<int:commitment_pk>/release/", views.release, name="release"),
]
