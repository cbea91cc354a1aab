"""VAKwerk's own second factor: an authenticator app (django-otp's TOTPDevice) with a set of
one-time backup codes (django-otp's StaticDevice and StaticTokens), the reset of both by the
municipality's admin, and the one question single sign-on needs answered.

Single sign-on (decided here, built elsewhere): a user who signs in through their
organisation's identity provider got the second factor there, so VAKwerk asks for none of
its own. The SSO backend says so by a class attribute, `provides_second_factor = True`;
`requires_our_second_factor(user, backend=...)` and the TwoFactorMiddleware read it from the
backend that authenticated the session. Two exceptions keep our own factor:

* platform operators: the Django admin reaches every municipality, and its site checks our
  verified device itself (vakwerk/admin_site.py), whatever the identity provider did;
* a session that signed in with a password: the same user may have both ways in, and the
  password way still needs our factor where the municipality requires one.

Writes here follow the services' rule: they take the acting user and write the audit entry
in the same transaction."""

from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY, load_backend
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django_otp import devices_for_user
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit
from .audit import AuditAction
from .roles import Role

BACKUP_CODE_COUNT = 10
# At or below this many unused codes the login step tells the user to make a new set.
FEW_BACKUP_CODES = 3
BACKUP_DEVICE_NAME = "backup codes"
# The unconfirmed authenticator an admin's reset leaves behind: while it exists the user
# is sent to enrol, even where their municipality does not require a second factor (they
# had one; a reset must not quietly switch it off).
RESET_DEVICE_NAME = "reset"
# The newly made codes wait here between the POST that made them and the page that shows
# them once (the page removes them).
NEW_CODES_SESSION_KEY = "_vakwerk_new_backup_codes"


def backend_provides_second_factor(backend_path):
    if not backend_path or backend_path not in settings.AUTHENTICATION_BACKENDS:
        return False
    return bool(getattr(load_backend(backend_path), "provides_second_factor", False))


def second_factor_done_elsewhere(user, backend_path):
    """True when the identity provider that signed this session in did the second factor
    and the user is no platform operator. Makes no query."""
    return not user.is_platform_operator and backend_provides_second_factor(backend_path)


def session_backend(request):
    return request.session.get(BACKEND_SESSION_KEY)


# Which of our authenticators a user has, in one query: CONFIRMED, ENROL_AGAIN or None.
CONFIRMED = "confirmed"
ENROL_AGAIN = "enrol again"


def with_authenticator_state(users):
    """The users with what `authenticator_state` asks, read in their own query: the
    sign-in backend loads every request's user this way (vakwerk/auth_backends.py), so the
    TwoFactorMiddleware's check costs no query of its own and still sees an admin's reset
    at the very next request."""
    devices = TOTPDevice.objects.filter(user=OuterRef("pk"))
    return users.annotate(
        authenticator_confirmed=Exists(devices.filter(confirmed=True)),
        authenticator_reset=Exists(devices.filter(confirmed=False, name=RESET_DEVICE_NAME)),
    )


def authenticator_state(user):
    """One query, none for a user loaded `with_authenticator_state` (only the request's
    user as this request loaded it: a device confirmed later in the request is not in it).
    A user with backup codes always has a confirmed authenticator too (the codes are made
    at its enrolment and deleted with it), so the authenticator decides."""
    if hasattr(user, "authenticator_confirmed"):
        if user.authenticator_confirmed:
            return CONFIRMED
        return ENROL_AGAIN if user.authenticator_reset else None
    confirmed = TOTPDevice.objects.filter(
        Q(confirmed=True) | Q(name=RESET_DEVICE_NAME), user=user
    ).values_list("confirmed", flat=True)
    states = set(confirmed)
    if True in states:
        return CONFIRMED
    if False in states:
        return ENROL_AGAIN
    return None


def requires_our_second_factor(user, *, backend=None):
    """Whether VAKwerk must ask `user` for its own second factor (and have them enrol one
    first if they have none) before any page.

    `backend` is the dotted path of the authentication backend that signed the user in:
    the SSO work passes its own right after authenticate(); it defaults to the `backend`
    attribute that authenticate() sets on the user. False for a user signed in through an
    identity provider that did the second factor (not for platform operators)."""
    if not user.is_authenticated:
        return False
    if second_factor_done_elsewhere(user, backend or getattr(user, "backend", None)):
        return False
    return authenticator_state(user) is not None or user.two_factor_required


def confirmed_devices(user):
    """(authenticator, backup-code device): either may be None."""
    authenticator = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    backup = StaticDevice.objects.filter(user=user, confirmed=True).first()
    return authenticator, backup


def backup_codes_left(device):
    return 0 if device is None else device.token_set.count()


def _new_backup_codes(user):
    """Replaces the user's backup codes by a fresh set; returns the codes as text. The old
    set is deleted with its device, so none of it works any more."""
    StaticDevice.objects.filter(user=user).delete()
    device = StaticDevice.objects.create(user=user, name=BACKUP_DEVICE_NAME, confirmed=True)
    codes = [StaticToken.random_token() for _ in range(BACKUP_CODE_COUNT)]
    StaticToken.objects.bulk_create([StaticToken(device=device, token=code) for code in codes])
    return codes


@transaction.atomic
def enrol(user, authenticator):
    """The user proved they hold the authenticator: it is confirmed and they get their
    first set of backup codes."""
    authenticator.confirmed = True
    authenticator.name = "default"
    authenticator.save(update_fields=["confirmed", "name"])
    codes = _new_backup_codes(user)
    audit.record(user, AuditAction.TWO_FACTOR_ENROLLED)
    return codes


@transaction.atomic
def renew_backup_codes(user):
    if TOTPDevice.objects.filter(user=user, confirmed=True).first() is None:
        # Codes without an authenticator would be a second factor nobody enrolled.
        raise PermissionDenied
    codes = _new_backup_codes(user)
    audit.record(user, AuditAction.UPDATE, obj=user, detail="backup codes renewed")
    return codes


@transaction.atomic
def reset_second_factor(acting_user, user):
    """The municipality's admin removes every device of a colleague who lost theirs; the
    colleague enrols anew at their next request (their session's verification named a
    device that is gone)."""
    if acting_user.role != Role.ADMIN or user.municipality_id != acting_user.municipality_id:
        raise PermissionDenied
    for device in devices_for_user(user, confirmed=None):
        device.delete()
    TOTPDevice.objects.create(user=user, name=RESET_DEVICE_NAME, confirmed=False)
    audit.record(acting_user, AuditAction.UPDATE, obj=user, detail="second factor reset")
