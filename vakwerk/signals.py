"""Logins, logouts and failed logins go into the audit trail."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import audit
from .audit import AuditAction
from .middleware import start_inactivity_timer
from .models import User


@receiver(user_logged_in)
def _logged_in(sender, request, user, **kwargs):
    start_inactivity_timer(request, user)
    audit.record(user, AuditAction.LOGIN)


@receiver(user_logged_out)
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        audit.record(user, AuditAction.LOGOUT)


@receiver(user_login_failed)
def _login_failed(sender, credentials, request=None, **kwargs):
    # The attempted address is kept (it is what a security officer looks for); the
    # password never reaches this signal's credentials: Django cleanses it.
    email = (credentials.get("username") or "")[:254]
    known = User.objects.filter(email__iexact=email).only("municipality_id").first()
    audit.record(
        None,
        AuditAction.LOGIN_FAILED,
        user_email=email,
        municipality_id=known.municipality_id if known else None,
    )
