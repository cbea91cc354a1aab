"""Hooks through which a domain app adds to the core's user pages without the core naming it
(filled in the app's `AppConfig.ready()`, like `UserInviteForm.extensions`). The employers
app uses them for the employer an employer user works for."""

# (acting_user, user, data) -> None: called by services.invite_user inside its transaction,
# with the cleaned fields the invite form's extensions added; may raise ValidationError.
invite_hooks = []

# (user, role) -> message or None: a reason the user may not be given this role.
role_checks = []

# queryset -> queryset: what the user list reads along (select_related), so a label below
# costs no query per row.
list_queryset_hooks = []

# user -> text or None: shown after the user's role in the user list.
list_labels = []


def invite(acting_user, user, data):
    for hook in invite_hooks:
        hook(acting_user, user, data)


def role_refusal(user, role):
    for check in role_checks:
        message = check(user, role)
        if message:
            return message
    return None


def for_list(queryset):
    for hook in list_queryset_hooks:
        queryset = hook(queryset)
    return queryset


def labels(user):
    return [text for label in list_labels if (text := label(user))]
