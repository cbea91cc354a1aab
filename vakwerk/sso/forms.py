import re

from django import forms
from django.utils.translation import gettext_lazy as _

from vakwerk.fields import PlausibleInput
from vakwerk.roles import Role

from .discovery import DiscoveryError, discover, secure_enough
from .models import SSO_ROLES, IdentityProvider

CLAIM_NAME = re.compile(r"^[A-Za-z0-9_.:/\-]{1,100}$")
DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
DISCOVERY_ERRORS = {
    "unreachable": _(
        "The provider's discovery document (/.well-known/openid-configuration) could not "
        "be read at this issuer."
    ),
    "issuer_mismatch": _("The provider names a different issuer than the one entered here."),
    "bad_endpoint": _("The provider's discovery document lacks an endpoint or uses plain http."),
}


class SSOChoiceForm(PlausibleInput, forms.Form):
    email = forms.EmailField(label=_("Your work mail"), max_length=254)


class IdentityProviderForm(PlausibleInput, forms.ModelForm):
    issuer = forms.URLField(label=_("issuer"), max_length=500, assume_scheme="https")
    client_secret = forms.CharField(
        label=_("client secret"),
        max_length=500,
        required=False,
        strip=True,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Leave empty to keep the stored secret."),
    )
    group_roles_text = forms.CharField(
        label=_("groups and roles"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            'One line per group: group = role, for example "VAKwerk-consulenten = '
            'consultant". Roles: consultant, manager, wsp, admin. Leave empty to keep the '
            "roles the functional administrator sets."
        ),
    )
    email_domains_text = forms.CharField(
        label=_("e-mail domains"),
        required=False,
        max_length=1000,
        help_text=_(
            "Staff who enter an address at one of these domains (comma-separated, for "
            "example gemeente.nl) are sent to this provider."
        ),
    )

    class Meta:
        model = IdentityProvider
        fields = ["enabled", "issuer", "client_id", "email_claim", "groups_claim", "passwords_off"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        provider = self.instance
        if provider.pk:
            self.fields["group_roles_text"].initial = "\n".join(
                f"{group} = {role}" for group, role in provider.group_roles.items()
            )
            self.fields["email_domains_text"].initial = ", ".join(provider.email_domains)
        else:
            self.fields["client_secret"].required = True
            self.fields["client_secret"].help_text = ""

    def clean_issuer(self):
        issuer = self.cleaned_data["issuer"].strip()
        if not secure_enough(issuer):
            raise forms.ValidationError(_("The issuer must be an https address."))
        return issuer

    def clean_client_id(self):
        value = self.cleaned_data["client_id"].strip()
        if not value.isprintable():
            raise forms.ValidationError(
                _("The client ID contains characters that are not allowed.")
            )
        return value

    def clean_client_secret(self):
        value = self.cleaned_data["client_secret"]
        if value and not value.isprintable():
            raise forms.ValidationError(_("The secret contains characters that are not allowed."))
        return value

    def _claim(self, name):
        value = self.cleaned_data[name].strip()
        if value and not CLAIM_NAME.match(value):
            raise forms.ValidationError(
                _("A claim name consists of letters, digits and . _ : / - only.")
            )
        return value

    def clean_email_claim(self):
        return self._claim("email_claim")

    def clean_groups_claim(self):
        return self._claim("groups_claim")

    def clean_group_roles_text(self):
        mapping = {}
        allowed = {str(role) for role in SSO_ROLES}
        for number, line in enumerate(self.cleaned_data["group_roles_text"].splitlines(), 1):
            if not line.strip():
                continue
            group, sep, role = line.rpartition("=")
            group, role = group.strip(), role.strip().lower()
            if not sep or not group or len(group) > 255 or not group.isprintable():
                raise forms.ValidationError(
                    _("Line %(number)s: write group = role.") % {"number": number}
                )
            if role not in allowed:
                raise forms.ValidationError(
                    _(
                        "Line %(number)s: %(role)s is not a role that signs in this way (use "
                        "consultant, manager, wsp or admin)."
                    )  # fmt: skip
                    % {"number": number, "role": role[:30]}
                )
            if group in mapping:
                raise forms.ValidationError(
                    _("Line %(number)s: this group is already on an earlier line.")
                    % {"number": number}
                )
            mapping[group] = Role(role).value
        return mapping

    def clean_email_domains_text(self):
        domains = []
        for part in self.cleaned_data["email_domains_text"].split(","):
            domain = part.strip().lower().lstrip("@")
            if not domain:
                continue
            if not DOMAIN.match(domain):
                raise forms.ValidationError(
                    _("%(domain)s is not a domain name.") % {"domain": domain[:60]}
                )
            if domain not in domains:
                domains.append(domain)
        taken = IdentityProvider.objects.exclude(pk=self.instance.pk).values_list(
            "email_domains", flat=True
        )
        for used in taken:
            clash = set(used) & set(domains)
            if clash:
                raise forms.ValidationError(
                    _("%(domain)s is already used by another municipality.")
                    % {"domain": sorted(clash)[0]}
                )
        return domains

    def clean(self):
        data = super().clean()
        issuer = data.get("issuer")
        if issuer and not self.errors:
            try:
                self.endpoints = discover(issuer)
            except DiscoveryError as error:
                self.add_error("issuer", DISCOVERY_ERRORS[str(error)])
        return data

    def service_arguments(self):
        data = self.cleaned_data
        return {
            "endpoints": self.endpoints,
            "client_secret": data["client_secret"],
            "enabled": data["enabled"],
            "issuer": data["issuer"],
            "client_id": data["client_id"],
            "email_claim": data["email_claim"],
            "groups_claim": data["groups_claim"],
            "passwords_off": data["passwords_off"],
            "group_roles": data["group_roles_text"],
            "email_domains": data["email_domains_text"],
        }
