# Savings model, replenishment of the revolving fund and social impact bonds.
from django.urls import path

from . import savings_views

urlpatterns = [
    path("savings/", savings_views.savings_report, name="savings"),
    path("savings/assumptions/", savings_views.assumptions_history, name="assumptions_history"),
    path("funds/<int:pk>/replenishment/", savings_views.replenishment, name="replenishment"),
    path("funds/<int:pk>/bond/", savings_views.bond, name="bond"),
]
