from django.core.exceptions import PermissionDenied

from vakwerk import audit
from vakwerk.audit import AuditAction
from vakwerk.roles import Role

from .models import IdentityProvider


def save_identity_provider(acting_user, *, endpoints, client_secret, **fields):
    """Creates or changes the admin's own municipality's provider. An empty secret keeps
    the stored one (the form never shows it back)."""
    if acting_user.role != Role.ADMIN or not acting_user.municipality_id:
        raise PermissionDenied
    provider = IdentityProvider.objects.filter(
        municipality_id=acting_user.municipality_id
    ).first() or IdentityProvider(municipality_id=acting_user.municipality_id)
    created = provider.pk is None
    for name, value in {**fields, **endpoints}.items():
        setattr(provider, name, value)
    if client_secret:
        provider.client_secret = client_secret
    provider.save()
    audit.record(
        acting_user,
        AuditAction.CREATE if created else AuditAction.UPDATE,
        obj=provider,
    )
    return provider


def apply_group_role(provider, user, groups):
    """The role the provider's groups give, written to the user (audited) when it differs.
    None when a mapping exists and none of the user's groups is in it."""
    if not provider.group_roles:
        return user.role
    mapped = {provider.group_roles[group] for group in groups if group in provider.group_roles}
    # Several groups: the widest role wins, in this order.
    for role in (Role.ADMIN, Role.MANAGER, Role.WSP, Role.CONSULTANT):
        if role in mapped:
            if user.role != role:
                old_role = user.role
                user.role = role
                user.save(update_fields=["role"])
                # Recorded as the user's own change: the provider's groups made it.
                audit.record(user, AuditAction.ROLE_CHANGED, obj=user,
                             detail=f"{old_role} → {role}")  # fmt: skip
            return role
    return None
