from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import LogoutView
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from mozilla_django_oidc.views import (
    OIDCAuthenticationCallbackView,
    OIDCAuthenticationRequestView,
)

from vakwerk.permissions import role_required
from vakwerk.roles import Role

from . import selectors, services
from .backends import SESSION_ID_TOKEN, SESSION_PROVIDER
from .csp import SESSION_LOGOUT_ORIGIN, allow_provider_form_targets, origin_of
from .forms import IdentityProviderForm, SSOChoiceForm
from .models import IdentityProvider

REFUSALS = {
    "unknown": gettext_lazy(
        "Your organisation account is not known in VAKwerk. Ask your municipality's "
        "functional administrator to invite you with this e-mail address."
    ),
    "disabled": gettext_lazy(
        "Your VAKwerk account has been switched off. Ask your functional administrator."
    ),
    "password_role": gettext_lazy(
        "Your account logs in with a password, not with an organisation account."
    ),
    "no_group": gettext_lazy(
        "Your organisation account is in none of the groups that give access to VAKwerk. "
        "Ask your functional administrator."
    ),
    "no_email": gettext_lazy(
        "Your organisation did not send an e-mail address. Ask your ICT department."
    ),
    "invalid": gettext_lazy(
        "The sign-in through your organisation could not be verified. Try again; if this "
        "keeps happening, tell your functional administrator."
    ),
}
SETTINGS_KEYS = {
    "OIDC_RP_SCOPES": "openid email profile",
    "OIDC_USE_NONCE": True,
    "OIDC_USE_PKCE": True,
    "OIDC_PKCE_CODE_VERIFIER_SIZE": 64,
    "OIDC_PKCE_CODE_CHALLENGE_METHOD": "S256",
    "OIDC_STATE_SIZE": 32,
    "OIDC_NONCE_SIZE": 32,
    "OIDC_REDIRECT_FIELD_NAME": "next",
    "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_callback",
    "OIDC_AUTH_REQUEST_EXTRA_PARAMS": {},
    "LOGIN_REDIRECT_URL": "home",
    "LOGIN_REDIRECT_URL_FAILURE": "login",
    "OIDC_RENEW_ID_TOKEN_EXPIRY_SECONDS": 15 * 60,
    "OIDC_REDIRECT_ALLOWED_HOSTS": [],
}


def _setting(attr, *args):
    if attr in SETTINGS_KEYS:
        return SETTINGS_KEYS[attr]
    return args[0] if args else None


class SSOStartView(OIDCAuthenticationRequestView):
    """Sends the browser to the municipality's provider (mozilla-django-oidc's request
    view, with the endpoint and client of that municipality)."""

    get_settings = staticmethod(_setting)

    def __init__(self, *args, **kwargs):
        super(OIDCAuthenticationRequestView, self).__init__(*args, **kwargs)

    def get(self, request, cbs_code):
        provider = selectors.provider_for_municipality(cbs_code)
        if provider is None:
            raise Http404
        self.OIDC_OP_AUTH_ENDPOINT = provider.authorization_endpoint
        self.OIDC_RP_CLIENT_ID = provider.client_id
        request.session[SESSION_PROVIDER] = provider.pk
        return super().get(request)


class SSOCallbackView(OIDCAuthenticationCallbackView):
    get_settings = staticmethod(_setting)

    def login_failure(self):
        reason = getattr(self.request, "sso_refusal", "invalid")
        messages.error(self.request, REFUSALS.get(reason, REFUSALS["invalid"]))
        return HttpResponseRedirect(self.failure_url)

    @property
    def failure_url(self):
        return redirect("login").url

    def login_success(self):
        response = super().login_success()
        provider = self.user.municipality.identity_provider
        if provider.end_session_endpoint:
            self.request.session[SESSION_LOGOUT_ORIGIN] = origin_of(provider.end_session_endpoint)
        return response


@never_cache
@allow_provider_form_targets
def sso_choice(request):
    """The login page's "organisation account" form: the e-mail domain names the
    municipality whose provider signs the user in."""
    form = SSOChoiceForm(request.GET or None)
    if form.is_valid():
        provider = selectors.provider_for_email(form.cleaned_data["email"])
        if provider is not None:
            target = redirect("sso_start", cbs_code=provider.municipality.cbs_code).url
            next_url = request.GET.get("next")
            if next_url:
                target = f"{target}?{urlencode({'next': next_url})}"
            return HttpResponseRedirect(target)
        form.add_error(
            "email",
            _(
                "No organisation account is set up for this e-mail address; log in with your "
                "password."
            ),  # fmt: skip
        )
    return render(request, "sso/choice.html", {"form": form})


class SSOLogoutView(LogoutView):
    """VAKwerk's logout; after a sign-in through the provider it also ends the provider's
    session (RP-initiated logout) where the provider offers that."""

    def post(self, request, *args, **kwargs):
        provider_logout = None
        if selectors.signed_in_through_sso(request):
            # The provider of the user's own municipality only, whatever the session holds.
            provider = IdentityProvider.objects.filter(
                pk=request.session.get(SESSION_PROVIDER),
                municipality_id=request.user.municipality_id,
            ).first()
            if provider is not None and provider.end_session_endpoint:
                query = {
                    "client_id": provider.client_id,
                    "post_logout_redirect_uri": request.build_absolute_uri(redirect("login").url),
                }
                if request.session.get(SESSION_ID_TOKEN):
                    query["id_token_hint"] = request.session[SESSION_ID_TOKEN]
                provider_logout = f"{provider.end_session_endpoint}?{urlencode(query)}"
        response = super().post(request, *args, **kwargs)
        if provider_logout:
            return HttpResponseRedirect(provider_logout)
        return response


@role_required(Role.ADMIN)
def provider_settings(request):
    """The admin's own municipality's provider: its page, or the form to add one."""
    provider = IdentityProvider.objects.for_user(request.user).first()
    if provider is not None:
        return redirect("sso_provider_edit", pk=provider.pk)
    return _edit(request, None)


@role_required(Role.ADMIN)
def provider_edit(request, pk):
    provider = get_object_or_404(
        IdentityProvider.objects.for_user(request.user).select_related("municipality"), pk=pk
    )
    return _edit(request, provider)


def _edit(request, provider):
    form = IdentityProviderForm(request.POST or None, instance=provider)
    if request.method == "POST" and form.is_valid():
        saved = services.save_identity_provider(request.user, **form.service_arguments())
        messages.success(request, _("The changes have been saved."))
        return redirect("sso_provider_edit", pk=saved.pk)
    callback = request.build_absolute_uri(redirect("sso_callback").url)
    start = None
    if provider is not None:
        start = request.build_absolute_uri(
            redirect("sso_start", cbs_code=provider.municipality.cbs_code).url
        )
    return render(
        request,
        "sso/provider_form.html",
        {"form": form, "provider": provider, "callback_url": callback, "start_url": start},
    )
