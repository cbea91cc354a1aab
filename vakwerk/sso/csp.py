from functools import wraps
from urllib.parse import urlsplit

from .models import IdentityProvider


def provider_origins():
    origins = set()
    for endpoint in IdentityProvider.objects.filter(enabled=True).values_list(
        "authorization_endpoint", flat=True
    ):
        parts = urlsplit(endpoint)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return sorted(origins)


def allow_provider_form_targets(view):
    """Chromium checks a form's CSP form-action on every redirect that follows it, so the
    organisation-account form (to us, then on to the provider) needs the providers'
    origins on the page that shows it."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        response = view(request, *args, **kwargs)
        origins = provider_origins()
        if origins:
            response._csp_update = {"form-action": origins}
        return response

    return wrapper


SESSION_LOGOUT_ORIGIN = "vakwerk_sso_logout_origin"


def origin_of(url):
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}" if parts.scheme and parts.netloc else ""


class ProviderLogoutFormTarget:
    """The logout form on every page goes on to the provider's end-session endpoint after
    a single sign-on (vakwerk.sso.views.SSOLogoutView): its origin joins form-action for
    such sessions. Listed after CSPMiddleware, so that this runs on the response first."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origin = session.get(SESSION_LOGOUT_ORIGIN) if session is not None else None
        if origin:
            update = dict(getattr(response, "_csp_update", None) or {})
            update["form-action"] = sorted({*update.get("form-action", []), origin})
            response._csp_update = update
        return response
