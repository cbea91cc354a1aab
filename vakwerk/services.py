"""Writes of the core: each takes the acting user (or the worker) and is called by views
and tasks, never bypassed by them."""

from dataclasses import dataclass

from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from . import audit, user_extensions
from .audit import AuditAction
from .models import User, WorkerHeartbeat
from .roles import Role


def record_worker_heartbeat(hostname, when=None):
    """Idempotent: running it twice leaves one row per worker with the latest time."""
    heartbeat, _created = WorkerHeartbeat.objects.update_or_create(
        hostname=hostname, defaults={"last_seen": when or timezone.now()}
    )
    return heartbeat


def activation_link(user, base_url):
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("password_reset_confirm", kwargs={"uidb64": uid, "token": token})
    return base_url.rstrip("/") + path


def send_activation_email(user, base_url):
    with translation.override("nl"):
        body = render_to_string(
            "registration/activation_email.txt",
            {"user": user, "link": activation_link(user, base_url)},
        )
        subject = render_to_string("registration/activation_subject.txt").strip()
    send_mail(subject, body, None, [user.email])


@dataclass(frozen=True)
class Invitation:
    email: str
    # None when the address already has an account in another municipality: nothing is
    # made, and the inviter is told the same as for a new account.
    user: User | None


def send_address_in_use_email(user, municipality):
    with translation.override("nl"):
        body = render_to_string(
            "registration/address_in_use_email.txt",
            {"user": user, "municipality": municipality},
        )
        subject = render_to_string("registration/address_in_use_subject.txt").strip()
    send_mail(subject, body, None, [user.email])


def address_free_for(acting_user, email):
    """Whether an invitation may make an account for `email`.

    An address in use in the inviter's own municipality is a form error: those users are
    theirs to see anyway. An address in use anywhere else must not be revealed: the
    inviter gets the same answer as for a new account, nothing is made, and the owner of
    the address is told by e-mail that someone tried to invite them."""
    existing = User.objects.filter(email__iexact=email).only("email", "municipality_id").first()
    if existing is None:
        return True
    if existing.municipality_id and existing.municipality_id == acting_user.municipality_id:
        raise ValidationError(
            {"email": _("A user with this e-mail address already exists.")}, code="exists"
        )
    audit.record(acting_user, AuditAction.CREATE, detail="invitation: address in use elsewhere")
    municipality = acting_user.municipality
    transaction.on_commit(lambda: send_address_in_use_email(existing, municipality))
    return False


@transaction.atomic
def invite_user(acting_user, *, email, first_name, last_name, role, base_url, **extension_data):
    """An admin adds a colleague of their own municipality; the colleague chooses a
    password through the link in the e-mail, so no password ever travels by mail."""
    if acting_user.role != Role.ADMIN:
        raise PermissionDenied
    email = email.strip().lower()
    if not address_free_for(acting_user, email):
        return Invitation(email, None)
    user = User(
        email=email,
        first_name=first_name,
        last_name=last_name,
        role=role,
        municipality=acting_user.municipality,
    )
    user.set_unusable_password()
    user.full_clean()
    user.save()
    # What the invite form's extensions asked (such as the employer) is stored by their app.
    user_extensions.invite(acting_user, user, extension_data)
    transaction.on_commit(lambda: send_activation_email(user, base_url))
    return Invitation(email, user)


# The role change and its audit entry stand or fall together.
@transaction.atomic
def update_user(acting_user, user, *, role, is_active):
    if acting_user.role != Role.ADMIN or user.municipality_id != acting_user.municipality_id:
        raise PermissionDenied
    old_role = user.role
    user.role = role
    user.is_active = is_active
    user.full_clean()
    user.save(update_fields=["role", "is_active"])
    if old_role != role:
        audit.record(
            acting_user, AuditAction.ROLE_CHANGED, obj=user, detail=f"{old_role} → {role}"
        )
    return user
