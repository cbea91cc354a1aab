"""The forms on the caseload and the participant's page are drawn by vakwerk's own field
renderer (form_fields), not by crispy's templates: a user sees the same fields, labels,
help texts, errors and aria attributes as crispy drew, empty and after a refused post."""

import pytest
from crispy_forms.templatetags.crispy_forms_filters import as_crispy_field, as_crispy_form
from django import forms
from django.db import connection
from django.test.html import parse_html
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from consultants.forms import CaseloadFilterForm, CoachingSessionForm
from participants.forms import BsnSearchForm, LadderRungForm, StatusChangeForm
from participants.models import Status
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.roles import Role
from vakwerk.templatetags.form_fields import as_field, as_fields

pytestmark = pytest.mark.django_db


def same_fields(form, other_form):
    """Each field of `form` by form_fields and of `other_form` (the same form, made anew
    so that crispy's classes on the widgets do not carry over) by crispy."""
    for name in form.fields:
        ours, crispy = as_field(form[name]), as_crispy_field(other_form[name])
        assert parse_html(ours) == parse_html(crispy), f"{name}:\n{ours}\n!=\n{crispy}"


def forms_of(municipality, make_user, data=None):
    consultant = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=municipality)
    CohortFactory(programme=programme, name="Groep <b>A</b>").trainers.add(consultant)
    participant = ParticipantFactory(municipality=municipality, status=Status.REGISTERED)
    return [
        lambda: CaseloadFilterForm(data, user=consultant),
        lambda: BsnSearchForm(data),
        lambda: StatusChangeForm(data, participant=participant),
        lambda: LadderRungForm(data),
        lambda: CoachingSessionForm(data, minutes=60),
    ]


@pytest.mark.parametrize("language", ["nl", "en"])
def test_empty_forms_look_as_crispy_drew_them(municipality, make_user, language):
    with translation.override(language):
        for make in forms_of(municipality, make_user):
            same_fields(make(), make())


def test_refused_forms_show_the_same_errors_and_values(municipality, make_user):
    data = {
        "q": 'Jan "<script>',
        "status": "nonsense",
        "cohort": "999999",
        "bsn": "",
        "recorded_on": "not a date",
        "rung": "9",
        "held_on": "2999-01-01",
        "minutes": "-5",
        "kind": "",
        "notes": "Notitie <i>met</i> opmaak",
        "next_appointment": "x",
    }
    with translation.override("nl"):
        for make in forms_of(municipality, make_user, data):
            form, other = make(), make()
            assert not form.is_valid(), form.__class__.__name__
            other.is_valid()
            same_fields(form, other)


def test_whole_form_as_crispy_drew_it(municipality, make_user):
    for make in forms_of(municipality, make_user, {"status": "nonsense", "rung": "9"})[2:4]:
        form, other = make(), make()
        assert parse_html(as_fields(form)) == parse_html(as_crispy_form(other))
        # An error of the whole form, above its fields.
        for each in (form, other):
            each.add_error(None, "Niet <b>tegelijk</b>")
        ours = as_fields(form)
        assert parse_html(ours) == parse_html(as_crispy_form(other))
        assert "Niet &lt;b&gt;tegelijk&lt;/b&gt;" in ours


def test_a_field_crispy_draws_differently_still_goes_through_crispy():
    class Form(forms.Form):
        agreed = forms.BooleanField(label="Akkoord <b>", help_text="Lees <i>dit</i>")

    form = Form({})
    assert not form.is_valid()
    ours, crispy = as_field(form["agreed"]), as_crispy_field(Form({})["agreed"])
    assert parse_html(ours) == parse_html(crispy)
    assert 'type="checkbox"' in ours and "form-check-input is-invalid" in ours


def test_a_checkbox_list_keeps_its_fieldset_legend_and_errors():
    form = CoachingSessionForm({"themes": ["nonsense"]}, minutes=45)
    assert not form.is_valid()
    html = as_field(form["themes"])
    assert parse_html(html) == parse_html(
        as_crispy_field(CoachingSessionForm({"themes": ["nonsense"]}, minutes=45)["themes"])
    )
    assert "<fieldset" in html and "<legend" in html and 'class="invalid-feedback"' in html


def test_caseload_group_filter_reads_its_options_in_one_plain_query(
    municipality, make_user, client
):
    consultant = make_user(Role.CONSULTANT)
    programme = ProgrammeFactory(municipality=municipality)
    # A running group: the filter offers those and the ones that ended lately.
    CohortFactory(
        programme=programme, name="Groep Noord", end_date=timezone.localdate()
    ).trainers.add(consultant)
    client.force_login(consultant)
    with CaptureQueriesContext(connection) as queries:
        page = client.get("/participants/").content.decode()
    assert '<option value="' in page and ">Groep Noord</option>" in page
    # No server-side cursor (DECLARE, FETCH, CLOSE) for a handful of options.
    assert not [q["sql"] for q in queries if "DECLARE" in q["sql"] or "FETCH" in q["sql"]]
