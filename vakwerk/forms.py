from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _

from . import user_extensions
from .fields import PlausibleInput, is_ascii_digits
from .roles import Role
from .security import LOGIN_NAME_MAX_LENGTH, address_is_locked, normalise_login_name
from .sso.selectors import password_login_refused

# Long enough for any pass phrase; short enough that hashing it costs nothing.
PASSWORD_MAX_LENGTH = 256


class LoginForm(AuthenticationForm):
    """Django's login form with limits that are really checked (its own max_length is
    only set on the widget) and the login name normalised before authentication, so the
    lock-out counts every spelling of an address as one."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        username = self.fields["username"]
        username.max_length = LOGIN_NAME_MAX_LENGTH
        username.validators.append(MaxLengthValidator(LOGIN_NAME_MAX_LENGTH))
        password = self.fields["password"]
        password.max_length = PASSWORD_MAX_LENGTH
        password.validators.append(MaxLengthValidator(PASSWORD_MAX_LENGTH))
        password.widget.attrs["maxlength"] = PASSWORD_MAX_LENGTH

    def clean_username(self):
        return normalise_login_name(self.cleaned_data["username"])

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        # The municipality switched passwords off for its staff (vakwerk/sso).
        if password_login_refused(user):
            raise forms.ValidationError(
                _(
                    "Your municipality has switched off passwords for staff. Log in with "
                    "your organisation account (below)."
                ),
                code="password_off",
            )

    def clean(self):
        if self.request is not None and address_is_locked(self.request):
            raise forms.ValidationError(
                _(
                    "Too many failed log-ins from your network address. Try again in half "
                    "an hour, or ask your functional administrator."
                ),
                code="address_locked",
            )
        return super().clean()


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    """The Django admin's login: the same limits and normalisation, and staff only."""


class TokenForm(PlausibleInput, forms.Form):
    token = forms.CharField(
        label=_("Code from your authenticator app"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}
        ),
    )

    def __init__(self, *args, device=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        valid = is_ascii_digits(token) and self.device is not None
        if not valid or not self.device.verify_token(token):
            raise forms.ValidationError(_("This code is not correct or has expired."))
        return token


# A backup code as StaticToken.random_token() makes it: eight letters a-z and digits 2-7.
BACKUP_CODE_LENGTH = 8


def normalise_backup_code(text):
    """As typed from paper: capitals, spaces and hyphens are allowed."""
    return "".join(text.split()).replace("-", "").lower()


class SecondFactorForm(PlausibleInput, forms.Form):
    """The login step: the authenticator's six digits, or one of the backup codes instead.
    Each device throttles its own failures (django-otp's ThrottlingMixin): after a wrong
    code the next try of that kind must wait 1, 2, 4 ... seconds."""

    token = forms.CharField(
        label=_("Code from your authenticator app, or a backup code"),
        max_length=20,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "autofocus": True, "spellcheck": "false"}
        ),
    )

    def __init__(self, *args, authenticator=None, backup=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.authenticator = authenticator
        self.backup = backup
        # The device that accepted the code, for otp_login.
        self.device = None

    def clean_token(self):
        typed = self.cleaned_data["token"].strip()
        if len(typed) == 6 and is_ascii_digits(typed):
            device, token = self.authenticator, typed
        else:
            device, token = self.backup, normalise_backup_code(typed)
            if len(token) != BACKUP_CODE_LENGTH or not token.isascii() or not token.isalnum():
                device = None
        if device is None or not device.verify_token(token):
            raise forms.ValidationError(_("This code is not correct or has expired."))
        self.device = device
        return typed


class UserInviteForm(PlausibleInput, forms.Form):
    email = forms.EmailField(label=_("e-mail address"))
    first_name = forms.CharField(label=_("first name"), max_length=100)
    last_name = forms.CharField(label=_("last name"), max_length=100)
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)

    # What a domain app adds for a role the core knows too little about (the employers app:
    # the employer an employer user works for, employers/user_invite.py). Each extension,
    # registered by its app's ready(), has add_fields(form, acting_user) and clean(form,
    # data); its fields' cleaned values go to services.invite_user with the others.
    extensions = {}

    def __init__(self, *args, acting_user, **kwargs):
        super().__init__(*args, **kwargs)
        for extension in self.extensions.values():
            extension.add_fields(self, acting_user)

    def clean_email(self):
        # Whether the address is taken is for the service to answer: only users of the
        # admin's own municipality may be named (vakwerk.services.address_free_for).
        return self.cleaned_data["email"].strip().lower()

    def clean(self):
        data = super().clean()
        for extension in self.extensions.values():
            extension.clean(self, data)
        return data


class UserEditForm(PlausibleInput, forms.Form):
    role = forms.ChoiceField(label=_("role"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("active"), required=False)

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_role(self):
        role = self.cleaned_data["role"]
        refusal = user_extensions.role_refusal(self.user, role)
        if refusal:
            raise forms.ValidationError(refusal)
        return role
