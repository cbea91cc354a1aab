"""The fund page's tables written in Python (funding/fund_tables.py) give the markup of
the template they replaced, for a manager and for an admin keeping the books (numbers
instead of names), in both languages, with corrections, expenditures and names that need
escaping."""

import re
from decimal import Decimal

import pytest
from django.template import Context, Template
from django.test import RequestFactory
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone, translation

from funding import fund_tables, selectors, services
from funding.views import sees_participants
from tests.funding.factories import approved, funded
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# The rows of funding/fund_detail.html before they were written in Python.
COMMITMENTS = Template(
    """{% load i18n money row_urls %}
  <thead><tr><th scope="col">{% translate "Participant" %}</th><th scope="col">{% translate "Purpose" %}</th><th scope="col" class="text-end">{% translate "Committed" %}</th><th scope="col" class="text-end">{% translate "Spent" %}</th><th scope="col" class="text-end">{% translate "Open" %}</th>{% if user.is_manager %}<th scope="col"><span class="visually-hidden">{% translate "Actions" %}</span></th>{% endif %}</tr></thead>
  {% url 'funding:expenditure' fund.pk as expenditure_url %}{% row_url 'funding:release' as release_url %}{% translate "Book expenditure" as book_label %}{% translate "Close and release the rest" as release_label %}
  <tbody>{% for commitment in commitments %}
    <tr data-testid="commitment-{{ commitment.pk }}">
      <td>{% if names %}{{ commitment.participant }}{% else %}{% blocktranslate with number=commitment.participant_id %}Participant {{ number }}{% endblocktranslate %}{% endif %}</td>
      <td>{{ commitment.purpose }}</td>
      <td class="text-end text-nowrap">{{ commitment.amount|euro }}</td>
      <td class="text-end text-nowrap">{{ commitment.spent|euro }}</td>
      <td class="text-end text-nowrap">{{ commitment.open_amount|euro }}</td>
      {% if user.is_manager %}
      <td class="text-end"><div class="d-flex flex-wrap gap-1 justify-content-end">
        <a class="btn btn-outline-primary btn-sm" href="{{ expenditure_url }}?commitment={{ commitment.pk }}">{{ book_label }}</a>
        <form method="post" action="{{ release_url|with_pk:commitment.pk }}">{% csrf_token %}<button type="submit" class="btn btn-outline-secondary btn-sm" data-testid="release-{{ commitment.pk }}">{{ release_label }}</button></form>
      </div></td>
      {% endif %}
    </tr>
  {% endfor %}</tbody>"""  # noqa: E501
)
LEDGER = Template(
    """{% load i18n money row_urls %}
  <thead><tr><th scope="col">{% translate "No." %}</th><th scope="col">{% translate "Date" %}</th><th scope="col">{% translate "Kind" %}</th><th scope="col" class="text-end">{% translate "Amount" %}</th><th scope="col">{% translate "Description" %}</th><th scope="col">{% translate "Participant" %}</th><th scope="col">{% translate "Booked by" %}</th>{% if user.is_manager %}<th scope="col"><span class="visually-hidden">{% translate "Actions" %}</span></th>{% endif %}</tr></thead>
  {% translate "Correct" as correct_label %}{% row_url 'funding:correction' as correction_url %}
  <tbody>{% for entry in page %}
    <tr data-testid="entry-{{ entry.pk }}">
      <td>{{ entry.pk }}</td>
      <td class="text-nowrap">{{ entry.booked_at|date:"DATE_FORMAT" }}</td>
      <td>{{ entry.get_kind_display }}{% if entry.corrects_id %} <span class="small text-body-secondary">({% blocktranslate with number=entry.corrects_id kind=entry.get_counts_as_display %}corrects no. {{ number }}, counts as {{ kind }}{% endblocktranslate %})</span>{% endif %}</td>
      <td class="text-end text-nowrap">{{ entry.amount|euro }}</td>
      <td>{{ entry.description }}</td>
      <td>{% if entry.commitment %}{% if names %}{{ entry.commitment.participant }}{% else %}{% blocktranslate with number=entry.commitment.participant_id %}Participant {{ number }}{% endblocktranslate %}{% endif %}{% endif %}</td>
      <td>{{ entry.booked_by.get_full_name|default:entry.booked_by.email }}</td>
      {% if user.is_manager %}<td class="text-end"><a class="btn btn-link btn-sm" href="{{ correction_url|with_pk:entry.pk }}">{{ correct_label }}</a></td>{% endif %}
    </tr>
  {% endfor %}</tbody>"""  # noqa: E501
)


@pytest.fixture
def books(make_user, municipality):
    """A fund with a deposit, two approved commitments (one partly spent), an
    expenditure without a commitment and a correction; names that need escaping."""
    manager = make_user(Role.MANAGER, first_name="", last_name="")  # shown by e-mail
    consultant = make_user(Role.CONSULTANT)
    fund = funded(manager, "5000.00")
    first = ParticipantFactory(
        municipality=municipality, consultant=consultant, last_name="<b>Bold</b> & Co"
    )
    second = ParticipantFactory(municipality=municipality, consultant=consultant)
    spent = approved(manager, consultant, fund, first, "400.00", purpose='Laarzen "S3" <maat 44>')
    approved(manager, consultant, fund, second, "250.50")
    services.book_expenditure(manager, fund, Decimal("120.25"), "Laarzen", commitment=spent)
    loose = services.book_expenditure(manager, fund, Decimal("80.00"), "Koffie & <thee>")
    colleague = make_user(Role.MANAGER, first_name="Mia", last_name="<Manager>")
    services.correct(colleague, loose, Decimal("-8.00"), "Te veel geboekt")
    return manager, fund


def _request(user):
    request = RequestFactory().get("/")
    request.user = user
    request.META["CSRF_COOKIE"] = "x" * 32  # a token, as the middleware would have set
    return request


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
def test_the_tables_are_the_templates_markup(books, make_user, role, language):
    manager, fund = books
    reader = manager if role == Role.MANAGER else make_user(Role.ADMIN)
    names = sees_participants(reader)
    commitments = list(selectors.open_commitments(manager, fund))
    entries = list(selectors.ledger(manager, fund))
    assert len(commitments) == 2 and len(entries) == 6
    request = _request(reader)
    with translation.override(language), timezone.override("Europe/Amsterdam"):
        ours = [
            fund_tables.commitments_html(request, fund, commitments, names),
            fund_tables.ledger_html(request, entries, names),
        ]
        context = {
            "fund": fund, "commitments": commitments, "page": entries, "names": names,
            "user": reader, "csrf_token": request.META["CSRF_COOKIE"],
        }  # fmt: skip
        theirs = [COMMITMENTS.render(Context(context)), LEDGER.render(Context(context))]
    # The CSRF token is masked anew on every call: compare the markup around it.
    ours = [_without_token(str(html)) for html in ours]
    theirs = [_without_token(html) for html in theirs]
    assert parse_html(ours[0]) == parse_html(theirs[0]), f"{ours[0]}\n!=\n{theirs[0]}"
    assert parse_html(ours[1]) == parse_html(theirs[1]), f"{ours[1]}\n!=\n{theirs[1]}"


def _without_token(html):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken"', html)


def test_the_page_escapes_names_and_shows_numbers_to_the_admin(client, books, make_user):
    manager, fund = books
    client.force_login(manager)
    page = client.get(reverse("funding:fund_detail", args=[fund.pk])).content.decode()
    assert "&lt;b&gt;Bold&lt;/b&gt; &amp; Co" in page
    assert "Laarzen &quot;S3&quot; &lt;maat 44&gt;" in page
    assert "Koffie &amp; &lt;thee&gt;" in page
    assert "<b>Bold" not in page
    assert "Mia &lt;Manager&gt;" in page
    assert "correctie op nr. " in page
    assert "€ 279,75" in page  # 400,00 committed, 120,25 spent
    # The release form posts with the page's CSRF token: a click works.
    assert page.count('name="csrfmiddlewaretoken"') >= 3
    client.force_login(make_user(Role.ADMIN))
    page = client.get(reverse("funding:fund_detail", args=[fund.pk])).content.decode()
    assert "Bold" not in page
    assert "Deelnemer " in page
    assert "Corrigeren" not in page and "Uitgave boeken" not in page
