"""A link that differs per row only in its object's number, resolved once per list.

    {% row_url 'participants:detail' as detail_url %}
    {% for participant in page %}<a href="{{ detail_url|with_pk:participant.pk }}">…{% endfor %}

`{% url %}` in a row walks Django's URL resolver for every row (reverse() with its
language and prefix look-ups); a list of fifty rows with two links did that a hundred
times per page. For URL patterns whose only argument is an `<int:…>` number.
"""

from django import template
from django.urls import reverse

register = template.Library()

# A number no object has: where it lands in the reversed URL is where a row's number goes.
_PLACEHOLDER = 987654321987654321


class RowUrl:
    def __init__(self, name):
        url = reverse(name, args=[_PLACEHOLDER])
        if url.count(str(_PLACEHOLDER)) != 1:
            raise ValueError(f"{name}: not a URL with one number in it ({url})")
        self.prefix, self.suffix = url.split(str(_PLACEHOLDER))

    # Not __call__: the template engine calls a callable it finds in the context.
    def for_pk(self, pk):
        # int(): what the <int:pk> converter accepts, and no markup can get in.
        return f"{self.prefix}{int(pk)}{self.suffix}"


@register.simple_tag
def row_url(name):
    return RowUrl(name)


@register.filter
def with_pk(row_url, pk):
    return row_url.for_pk(pk)
