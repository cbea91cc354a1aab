"""The Django admin of platform operators: it reaches every municipality and every BSN, so
it needs a verified second factor, not only a password (the TwoFactorMiddleware sends an
operator to enrol or verify; this site refuses anyone who has not), and its login form has
the same limits and lock-out key as the app's own."""

from django.contrib import admin
from django.contrib.admin.apps import AdminConfig


class PlatformAdminSite(admin.AdminSite):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Here, not at the top: this module is named in INSTALLED_APPS and loads before
        # the models, which the login form's module needs (django.contrib.auth.forms).
        from .forms import AdminLoginForm

        self.login_form = AdminLoginForm

    def has_permission(self, request):
        return super().has_permission(request) and request.user.is_verified()


class PlatformAdminConfig(AdminConfig):
    default_site = "vakwerk.admin_site.PlatformAdminSite"
