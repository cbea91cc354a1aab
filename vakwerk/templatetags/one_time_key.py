"""`{% one_time_key %}`: a builtin (see TEMPLATES in settings), put next to `{% csrf_token %}`
in every create form; vakwerk/idempotency.py explains the key."""

from django import template
from django.utils.html import format_html

from vakwerk import idempotency

register = template.Library()


@register.simple_tag(takes_context=True)
def one_time_key(context):
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return ""
    return format_html(
        '<input type="hidden" name="{}" value="{}">',
        idempotency.FIELD_NAME,
        idempotency.new_key(user),
    )
