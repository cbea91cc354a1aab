from django.contrib.auth import BACKEND_SESSION_KEY

from .models import SSO_ROLES, IdentityProvider

BACKEND_PATH = "vakwerk.sso.backends.MunicipalityOIDCBackend"


def provider_for_email(email):
    """The enabled provider whose e-mail domains include the address's domain, or None."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return None
    # A handful of providers (one per municipality): read in Python, which works on
    # SQLite (make run) as on PostgreSQL, where a JSON containment lookup would not.
    for provider in IdentityProvider.objects.filter(enabled=True).select_related("municipality"):
        if domain in provider.email_domains:
            return provider
    return None


def provider_for_municipality(cbs_code):
    return (
        IdentityProvider.objects.filter(enabled=True, municipality__cbs_code=cbs_code)
        .select_related("municipality")
        .first()
    )


def signed_in_through_sso(request):
    """Whether this session's login came through the municipality's identity provider.

    Django writes the backend of the last login into the session, so a later password
    login of the same user in the same session no longer counts as SSO."""
    return request.session.get(BACKEND_SESSION_KEY) == BACKEND_PATH


def password_login_refused(user):
    """Whether the user's municipality has switched passwords off for their role."""
    if user.role not in SSO_ROLES or not user.municipality_id:
        return False
    return IdentityProvider.objects.filter(
        municipality_id=user.municipality_id, enabled=True, passwords_off=True
    ).exists()
