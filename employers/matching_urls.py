# Matching, boards and candidate pages (filled by the matching work).
from django.urls import path

from . import matching_views

urlpatterns = [
    path("opportunities/<int:pk>/board/", matching_views.board, name="board"),
    path("opportunities/<int:pk>/propose/", matching_views.propose, name="propose"),
    path("matches/<int:pk>/", matching_views.candidate, name="candidate"),
    path("matches/<int:pk>/move/", matching_views.move, name="move_match"),
    path("matches/<int:pk>/profile.pdf", matching_views.candidate_pdf, name="candidate_pdf"),
    path(
        "talent-profiles/<int:participant_pk>.pdf",
        matching_views.talent_profile_pdf,
        name="talent_profile_pdf",
    ),
]
