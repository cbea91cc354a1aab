"""Included in evaluation/urls.py (namespace "evaluation")."""

from django.urls import path

from . import views

urlpatterns = [
    path(
        "programmes/<int:programme>/stakeholders/",
        views.stakeholder_list,
        name="stakeholder_list",
    ),
    path(
        "programmes/<int:programme>/stakeholders/new/",
        views.stakeholder_edit,
        name="stakeholder_create",
    ),
    path(
        "programmes/<int:programme>/stakeholders/<int:pk>/",
        views.stakeholder_edit,
        name="stakeholder_edit",
    ),
    path("questionnaires/", views.questionnaire_list, name="questionnaire_list"),
    path("questionnaires/new/", views.questionnaire_edit, name="questionnaire_create"),
    path("questionnaires/<int:pk>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:pk>/edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path(
        "questionnaires/<int:pk>/questions/new/",
        views.questionnaire_question_edit,
        name="questionnaire_question_create",
    ),
    path(
        "questionnaires/<int:pk>/questions/<int:question>/",
        views.questionnaire_question_edit,
        name="questionnaire_question_edit",
    ),
    path(
        "questionnaires/<int:pk>/questions/<int:question>/delete/",
        views.questionnaire_question_delete,
        name="questionnaire_question_delete",
    ),
    path(
        "questionnaires/<int:pk>/questions/<int:question>/move/",
        views.questionnaire_question_move,
        name="questionnaire_question_move",
    ),
    path(
        "questionnaires/<int:pk>/invitations/",
        views.questionnaire_invitations,
        name="questionnaire_invitations",
    ),
    path(
        "questionnaires/<int:pk>/results/",
        views.questionnaire_results,
        name="questionnaire_results",
    ),
    path(
        "questionnaires/<int:pk>/results/open-answers/",
        views.questionnaire_texts,
        name="questionnaire_texts",
    ),
    path(
        "questionnaires/<int:pk>/comparison/",
        views.questionnaire_comparison,
        name="questionnaire_comparison",
    ),
    # Public: opened from the invitation e-mail, without an account.
    path("a/<str:token>/", views.answer, name="answer"),
]
