from django.urls import path

from . import views

# Under account/sso/: reached before login.
sign_in_patterns = [
    path("", views.sso_choice, name="sso_choice"),
    path("callback/", views.SSOCallbackView.as_view(), name="sso_callback"),
    path("<str:cbs_code>/", views.SSOStartView.as_view(), name="sso_start"),
]

# Under users/sso/: the functional administrator's settings.
settings_patterns = [
    path("", views.provider_settings, name="sso_provider_settings"),
    path("<int:pk>/", views.provider_edit, name="sso_provider_edit"),
]
