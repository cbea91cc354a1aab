"""The audit trail and field history: one place that writes them, called by services and
views in the same transaction as the work they record."""

from .bsn import mask_bsn
from .models import AuditAction, AuditEntry, FieldChange

__all__ = ["AuditAction", "record", "record_many", "snapshot", "record_field_changes"]


def _entry(user, action, *, obj=None, participant_id=None, detail="", purpose="",
           municipality_id=None, user_email=""):  # fmt: skip
    authenticated = user is not None and user.is_authenticated
    return AuditEntry(
        user=user if authenticated else None,
        user_email=user.email if authenticated else user_email,
        role=user.role if authenticated else "",
        municipality_id=municipality_id
        or (user.municipality_id if authenticated else None)
        or getattr(obj, "municipality_id", None),
        action=action,
        object_type=obj._meta.model_name if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        participant_id=participant_id,
        detail=detail,
        purpose=purpose,
    )


def record(user, action, **kwargs):
    entry = _entry(user, action, **kwargs)
    entry.save()
    return entry


def record_many(user, entries):
    """Several reads of one page in one INSERT: (action, kwargs) pairs."""
    AuditEntry.objects.bulk_create([_entry(user, action, **kw) for action, kw in entries])


def snapshot(instance, fields):
    return {name: getattr(instance, name) for name in fields}


def _display(instance, field, value):
    model_field = instance._meta.get_field(field)
    if model_field.choices:
        return str(dict(model_field.flatchoices).get(value, value))
    # A relation's value is the related object itself (the snapshot holds the old one, the
    # instance the new one): naming it costs no query.
    return "" if value is None else str(value)


def record_field_changes(user, instance, before, participant_id):
    """Stores each field whose value differs from `before`. Values that are identifying
    (the BSN) are stored masked: the history must not become a second copy of them."""
    changes = []
    for field, old in before.items():
        new = getattr(instance, field)
        if old == new:
            continue
        model_field = instance._meta.get_field(field)
        old_shown = _display(instance, field, old)
        new_shown = _display(instance, field, new)
        if field == "bsn":
            old_shown, new_shown = mask_bsn(old_shown), mask_bsn(new_shown)
        changes.append(
            FieldChange(
                changed_by=user,
                object_type=instance._meta.model_name,
                object_id=str(instance.pk),
                participant_id=participant_id,
                field=field,
                field_label=str(model_field.verbose_name),
                old_value=old_shown,
                new_value=new_shown,
            )
        )
    if changes:
        FieldChange.objects.bulk_create(changes)
    return changes
