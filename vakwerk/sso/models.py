from django.db import models
from django.utils.translation import gettext_lazy as _

from vakwerk.encryption import EncryptedTextField
from vakwerk.models import Municipality
from vakwerk.roles import Role

# The roles that sign in through their organisation's identity provider. Employers and
# researchers come from outside the municipality's own directory and keep a password.
SSO_ROLES = (Role.CONSULTANT, Role.MANAGER, Role.WSP, Role.ADMIN)


class IdentityProviderQuerySet(models.QuerySet):
    def for_user(self, user):
        """A municipality's admin manages their own municipality's provider, nobody else."""
        if user.is_authenticated and user.role == Role.ADMIN and user.municipality_id:
            return self.filter(municipality_id=user.municipality_id)
        return self.none()


class IdentityProvider(models.Model):
    """One municipality's OpenID Connect provider (Entra ID, ADFS, Keycloak, ...).

    mozilla-django-oidc reads one provider from the settings; VAKwerk serves many
    municipalities from one installation, so the backend and views in this app take
    these values per municipality instead (README, "Dependencies")."""

    municipality = models.OneToOneField(
        Municipality,
        verbose_name=_("municipality"),
        on_delete=models.CASCADE,
        related_name="identity_provider",
    )
    enabled = models.BooleanField(_("sign-in through this provider is on"), default=True)
    issuer = models.URLField(_("issuer"), max_length=500)
    client_id = models.CharField(_("client ID"), max_length=255)
    # Encrypted at rest with VAKWERK_FIELD_KEY; the form limits it to 500 characters.
    client_secret = EncryptedTextField(_("client secret"))
    email_claim = models.CharField(_("claim with the e-mail address"), max_length=100,
                                   default="email")  # fmt: skip
    groups_claim = models.CharField(_("claim with the groups"), max_length=100,
                                    default="groups", blank=True)  # fmt: skip
    # {"group name or id": "role"}; empty: roles stay as the admin set them.
    group_roles = models.JSONField(_("groups and roles"), default=dict, blank=True)
    email_domains = models.JSONField(_("e-mail domains"), default=list, blank=True)
    passwords_off = models.BooleanField(
        _("staff may not log in with a password"),
        default=False,
        help_text=_(
            "Consultants, managers, WSP account managers and administrators then "
            "log in through the organisation account only."
        ),  # fmt: skip
    )
    # From the issuer's discovery document, fetched when the admin saves.
    authorization_endpoint = models.URLField(max_length=500, blank=True)
    token_endpoint = models.URLField(max_length=500, blank=True)
    userinfo_endpoint = models.URLField(max_length=500, blank=True)
    jwks_uri = models.URLField(max_length=500, blank=True)
    end_session_endpoint = models.URLField(max_length=500, blank=True)

    objects = IdentityProviderQuerySet.as_manager()

    class Meta:
        verbose_name = _("identity provider")
        verbose_name_plural = _("identity providers")

    def __str__(self):
        return f"{self.municipality}: {self.issuer}"

    @property
    def secret_hint(self):
        """Enough to recognise which secret is stored, never enough to use it."""
        if len(self.client_secret) < 16:
            return "••••"
        return f"••••{self.client_secret[-4:]}"
