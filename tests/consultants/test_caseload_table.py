"""The caseload's table written in Python (consultants/caseload_table.py) gives the markup
of the template it replaced, for every kind of row and every viewer."""

import datetime

import pytest
from django.template import Context, Template
from django.test.html import parse_html
from django.urls import reverse
from django.utils import timezone, translation

from consultants import caseload_selectors as selectors
from consultants.caseload_table import table_html
from consultants.models import CoachingSession
from participants.models import DevelopmentPotential, Intake, Participant
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# The rows of consultants/caseload.html before they were written in Python.
TEMPLATE = Template(
    """{% load i18n row_urls %}
  {% translate "Name" as name_label %}{% translate "Status" as status_label %}{% translate "Development potential" as potential_label %}{% translate "Target group" as group_label %}{% translate "Benefit" as benefit_label %}{% translate "Last contact" as contact_label %}{% translate "Consultant" as consultant_label %}{% translate "Log session" as log_label %}
  <thead><tr>
    <th scope="col">{{ name_label }}</th><th scope="col">{{ status_label }}</th><th scope="col">{{ potential_label }}</th><th scope="col">{{ group_label }}</th><th scope="col">{{ benefit_label }}</th><th scope="col">{{ contact_label }}</th>{% if not user.is_consultant or members == "groups" %}<th scope="col">{{ consultant_label }}</th>{% endif %}<th scope="col"><span class="visually-hidden">{% translate "Actions" %}</span></th>
  </tr></thead>
  {% row_url 'participants:detail' as detail_url %}{% row_url 'participants:session_create' as session_url %}
  <tbody>{% for participant in page %}
    <tr>
      <td data-label="{{ name_label }}"><a href="{{ detail_url|with_pk:participant.pk }}">{{ participant.last_name }}, {{ participant.first_name }}</a></td>
      <td data-label="{{ status_label }}">{{ participant.get_status_display }}</td>
      <td data-label="{{ potential_label }}" data-testid="potential">{{ participant.intake.get_development_potential_display|default:"—" }}</td>
      <td data-label="{{ group_label }}">{{ participant.get_target_group_display }}</td>
      <td data-label="{{ benefit_label }}">{{ participant.benefit_label }}</td>
      <td data-label="{{ contact_label }}">{{ participant.last_contact|date:"DATE_FORMAT"|default:"—" }}</td>
      {% if not user.is_consultant or members == "groups" %}<td data-label="{{ consultant_label }}" data-testid="consultant">{{ participant.consultant|default:"—" }}</td>{% endif %}
      <td class="text-end">{% if user.is_consultant %}<a class="btn btn-sm btn-outline-primary" href="{{ session_url|with_pk:participant.pk }}">{{ log_label }}</a>{% endif %}</td>
    </tr>
  {% endfor %}</tbody>"""  # noqa: E501
)


@pytest.fixture
def rows(make_user, municipality):
    """Participants with and without what a row shows: an intake, a consultant, a last
    contact, a pre-2015 benefit (WWB), and names that need escaping."""
    consultant = make_user(Role.CONSULTANT, first_name="Daan", last_name="de <Vries>")
    plain = ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        last_name="<script>alert(1)</script>",
        first_name="Anna & \"Bob\" 'C'",
    )
    Intake.objects.create(
        participant=plain,
        held_on=datetime.date(2026, 2, 1),
        development_potential=DevelopmentPotential.HIGH,
    )
    CoachingSession.objects.create(
        participant=plain, consultant=consultant, held_on=datetime.date(2026, 3, 9), minutes=30
    )
    ParticipantFactory(
        municipality=municipality,
        consultant=None,
        last_name="Zonder",
        benefit_start=datetime.date(2012, 5, 1),
        status="not_selected",
    )
    ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        benefit_type="both",
        benefit_start=datetime.date(2014, 1, 1),
        birth_date=datetime.date(2006, 8, 1),
    )
    return consultant


@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize(
    ("role", "members"),
    [(Role.CONSULTANT, selectors.OWN), (Role.CONSULTANT, selectors.GROUPS), (Role.MANAGER, "")],
)
def test_the_table_is_the_templates_markup(rows, make_user, role, members, language):
    viewer = rows if role == Role.CONSULTANT else make_user(Role.MANAGER)
    participants = list(
        selectors.with_last_contact(
            Participant.objects.select_related("consultant", "intake")
        ).order_by("last_name")
    )
    assert len(participants) == 3
    with translation.override(language), timezone.override("Europe/Amsterdam"):
        ours = str(table_html(participants, viewer, members))
        theirs = TEMPLATE.render(
            Context({"page": participants, "user": viewer, "members": members})
        )
    assert parse_html(ours) == parse_html(theirs), f"{ours}\n!=\n{theirs}"


def test_a_row_shows_a_dash_for_what_is_not_known_and_escapes_names(client, rows, make_user):
    client.force_login(make_user(Role.MANAGER))
    page = client.get(reverse("participants:caseload")).content.decode()
    assert (
        "&lt;script&gt;alert(1)&lt;/script&gt;, Anna &amp; &quot;Bob&quot; &#x27;C&#x27;" in page
    )
    assert "<script>alert" not in page
    assert "de &lt;Vries&gt;" in page
    assert '<td data-label="Consulent" data-testid="consultant">—</td>' in page
    assert '<td data-label="Laatste contact">9 maart 2026</td>' in page
    assert '<td data-label="Uitkering">WWB</td>' in page
    assert "Gesprek vastleggen" not in page  # a manager logs no sessions
