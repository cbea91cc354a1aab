"""mozilla-django-oidc's backend with its settings taken from the municipality's
IdentityProvider instead of Django settings, and with VAKwerk's rules: no account is made,
the user is matched by e-mail within that municipality, the role may come from a group."""

import logging

import jwt
import requests
from django.contrib.auth import get_user_model
from django.core.exceptions import SuspiciousOperation
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from . import services
from .models import SSO_ROLES, IdentityProvider

logger = logging.getLogger(__name__)

SESSION_PROVIDER = "vakwerk_sso_provider"
SESSION_ID_TOKEN = "vakwerk_sso_id_token"
TIMEOUT_SECONDS = 10


class Refused(Exception):
    """Why an otherwise valid sign-in is refused; the callback view puts it into words."""

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


class MunicipalityOIDCBackend(OIDCAuthenticationBackend):
    # The provider of this login attempt, set in authenticate().
    provider = None
    # The identity provider asked its own second factor; ours is not asked again
    # (vakwerk/two_factor.py), except of platform operators, who never sign in here.
    provides_second_factor = True

    def __init__(self, *args, **kwargs):
        # The base class reads one provider from the settings; ours come per request.
        self.UserModel = get_user_model()

    def get_settings(self, attr, *args):
        values = {
            "OIDC_VERIFY_SSL": True,
            "OIDC_TIMEOUT": TIMEOUT_SECONDS,
            "OIDC_PROXY": None,
            "OIDC_VERIFY_KID": True,
            "OIDC_USE_NONCE": True,
            "OIDC_ALLOW_UNSECURED_JWT": False,
            "OIDC_TOKEN_USE_BASIC_AUTH": False,
            "OIDC_CREATE_USER": False,
            "OIDC_AUTHENTICATION_CALLBACK_URL": "sso_callback",
            "OIDC_STORE_ACCESS_TOKEN": False,
            "OIDC_STORE_ID_TOKEN": False,
        }
        if attr in values:
            return values[attr]
        return args[0] if args else None

    def _use(self, provider):
        self.provider = provider
        self.OIDC_OP_TOKEN_ENDPOINT = provider.token_endpoint
        self.OIDC_OP_USER_ENDPOINT = provider.userinfo_endpoint
        self.OIDC_OP_JWKS_ENDPOINT = provider.jwks_uri
        self.OIDC_RP_CLIENT_ID = provider.client_id
        self.OIDC_RP_CLIENT_SECRET = provider.client_secret
        self.OIDC_RP_SIGN_ALGO = "RS256"
        self.OIDC_RP_IDP_SIGN_KEY = None

    def authenticate(self, request, **kwargs):
        # Only the callback view passes a nonce; a password login never reaches the provider.
        if request is None or "nonce" not in kwargs:
            return None
        provider_id = request.session.get(SESSION_PROVIDER)
        provider = IdentityProvider.objects.filter(pk=provider_id, enabled=True).first()
        if provider is None:
            return None
        self._use(provider)
        try:
            return super().authenticate(request, **kwargs)
        except Refused as refusal:
            request.sso_refusal = refusal.reason
        except (SuspiciousOperation, jwt.InvalidTokenError, requests.RequestException) as error:
            # A forged, expired or otherwise invalid token, or a provider that failed.
            logger.warning("SSO sign-in refused: %s", type(error).__name__)
            request.sso_refusal = "invalid"
        return None

    def _verify_jws(self, payload, key):
        header = jwt.get_unverified_header(payload)
        if header.get("alg") != self.OIDC_RP_SIGN_ALGO:
            raise SuspiciousOperation("Unexpected signing algorithm.")
        # Unlike the base class, the audience and issuer are checked too, and an expiry
        # time is required.
        return jwt.decode(
            payload,
            key,
            algorithms=[self.OIDC_RP_SIGN_ALGO],
            audience=self.OIDC_RP_CLIENT_ID,
            issuer=self.provider.issuer,
            options={"require": ["exp", "iat", "aud", "iss"]},
        )

    def get_userinfo(self, access_token, id_token, payload):
        # Entra ID puts groups in the ID token only; Keycloak may put them in either.
        claims = dict(payload)
        if self.provider.userinfo_endpoint:
            userinfo = super().get_userinfo(access_token, id_token, payload)
            if userinfo.get("sub") not in (None, payload.get("sub")):
                raise SuspiciousOperation("The userinfo belongs to someone else.")
            claims.update(userinfo)
        return claims

    def store_tokens(self, access_token, id_token):
        # Kept for the provider's logout (id_token_hint); the access token is never used.
        self.request.session[SESSION_ID_TOKEN] = id_token

    def verify_claims(self, claims):
        email = claims.get(self.provider.email_claim)
        return isinstance(email, str) and "@" in email

    def filter_users_by_claims(self, claims):
        email = claims[self.provider.email_claim].strip().lower()
        return self.UserModel.objects.filter(
            email__iexact=email, municipality_id=self.provider.municipality_id
        ).select_related("municipality")

    def get_or_create_user(self, access_token, id_token, payload):
        claims = self.get_userinfo(access_token, id_token, payload)
        if not self.verify_claims(claims):
            raise Refused("no_email")
        users = list(self.filter_users_by_claims(claims))
        if len(users) != 1:
            raise Refused("unknown")
        user = users[0]
        if not user.is_active:
            raise Refused("disabled")
        if user.role not in SSO_ROLES or user.is_platform_operator:
            raise Refused("password_role")
        groups = claims.get(self.provider.groups_claim) if self.provider.groups_claim else None
        if isinstance(groups, str):
            groups = [groups]
        if not isinstance(groups, list):
            groups = []
        if services.apply_group_role(self.provider, user, [str(g) for g in groups]) is None:
            raise Refused("no_group")
        return user

    def get_user(self, user_id):
        return (
            self.UserModel.objects.filter(pk=user_id, is_active=True)
            .select_related("municipality")
            .first()
        )
