from django.conf import settings
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.i18n import set_language

from . import accessibility_views, views
from .forms import LoginForm
from .sso.csp import allow_provider_form_targets
from .sso.urls import settings_patterns as sso_settings_patterns
from .sso.urls import sign_in_patterns as sso_sign_in_patterns
from .sso.views import SSOLogoutView

auth_patterns = [
    path(
        "login/",
        allow_provider_form_targets(
            auth_views.LoginView.as_view(
                authentication_form=LoginForm, redirect_authenticated_user=True
            )
        ),
        name="login",
    ),
    # Ends the provider's session too after a single sign-on (vakwerk/sso).
    path("logout/", SSOLogoutView.as_view(), name="logout"),
    path("password/change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path(
        "password/change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path(
        "password/reset/",
        auth_views.PasswordResetView.as_view(
            subject_template_name="registration/password_reset_subject.txt"
        ),
        name="password_reset",
    ),
    path(
        "password/reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "password/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/complete/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("2fa/setup/", views.two_factor_setup, name="two_factor_setup"),
    path("2fa/verify/", views.two_factor_verify, name="two_factor_verify"),
    path("2fa/", views.two_factor_manage, name="two_factor_manage"),
    path(
        "2fa/backup-codes/new/",
        views.two_factor_backup_codes_new,
        name="two_factor_backup_codes_new",
    ),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", accessibility_views.favicon, name="favicon"),
    path(
        "toegankelijkheid/",
        accessibility_views.accessibility_statement,
        name="accessibility_statement",
    ),
    path("account/sso/", include(sso_sign_in_patterns)),
    path("account/", include(auth_patterns)),
    path("i18n/setlang/", set_language, name="set_language"),
    # The programme page shows the evaluation's figures, so the evaluation's dashboards
    # app serves it (its URL names stay un-namespaced).
    path("programmes/", include("evaluation.dashboards.programme_urls")),
    path("users/", views.user_list, name="user_list"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path("users/<int:pk>/", views.user_edit, name="user_edit"),
    path("users/sso/", include(sso_settings_patterns)),
    path(
        "users/<int:pk>/second-factor/reset/",
        views.user_two_factor_reset,
        name="user_two_factor_reset",
    ),
    path("audit/", include("vakwerk.audit_urls")),
    path("participants/benefit-register/", include("participants.register.urls")),
    # One namespace, two apps: consultants adds the caseload, the task list and logging
    # a session under participants/ (participants may not import consultants).
    path(
        "participants/",
        include(
            (
                [
                    path("", include("participants.urls")),
                    path("", include("consultants.caseload_urls")),
                ],
                "participants",
            )
        ),
    ),
    path("consultants/", include("consultants.urls")),
    path("employers/", include("employers.urls")),
    path("funding/", include("funding.urls")),
    path("provisions/", include("funding.provisions.urls")),
    path("evaluation/", include("evaluation.urls")),
    path(settings.ADMIN_URL, admin.site.urls),
]
