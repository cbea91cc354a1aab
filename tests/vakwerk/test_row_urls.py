"""Row links resolved once per list (`row_urls`) lead where `{% url %}` led."""

import pytest
from django.template import Context, Template
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from vakwerk.templatetags.row_urls import RowUrl, with_pk


@pytest.mark.parametrize(
    "name", ["participants:detail", "participants:session_create", "funding:correction"]
)
@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_row_links_to_its_own_object(name, language):
    with translation.override(language):
        url = RowUrl(name)
        for pk in (1, 10, 987, 123456789):
            assert with_pk(url, pk) == reverse(name, args=[pk])


def test_a_url_without_a_number_is_refused():
    with pytest.raises(NoReverseMatch):
        RowUrl("participants:caseload")


def test_a_row_number_is_a_number_and_nothing_else():
    with pytest.raises(ValueError):
        with_pk(RowUrl("participants:detail"), '1"><script>')


def test_a_template_row_gets_the_link():
    page = Template(
        "{% load row_urls %}{% row_url 'participants:detail' as detail_url %}"
        '{% for pk in pks %}<a href="{{ detail_url|with_pk:pk }}">{% endfor %}'
    ).render(Context({"pks": [5, 77]}))
    assert page == f'<a href="{reverse("participants:detail", args=[5])}">' + (
        f'<a href="{reverse("participants:detail", args=[77])}">'
    )
