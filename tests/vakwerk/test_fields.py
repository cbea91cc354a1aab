"""The input layer (vakwerk/fields.py): how decimals and money are read and shown, the
plausible bounds per kind of field, ASCII-only digits, and date arithmetic at the edges.
Issue 13 found 8 / build 6 and issue 15 found 4, 5, 7 / build 3."""

import datetime
import re
from decimal import Decimal

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.urls import reverse

from evaluation.questionnaires.models import Questionnaire
from evaluation.questionnaires.selectors import closing_time
from funding.models import SavingsAssumptions
from participants import imports
from participants.models import Participant
from participants.services import follow_up_due_date
from tests.funding.factories import FundFactory
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.bsn import is_valid_bsn, normalise_bsn
from vakwerk.fields import (
    BOUNDS,
    DecimalInputField,
    ascii_digits,
    parse_decimal,
    parse_id,
)
from vakwerk.formatting import dutch_number
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

# Every bound relative to today is checked on this day.
TODAY = datetime.date(2026, 11, 30)


@pytest.fixture(autouse=True)
def pinned_clock():
    with time_machine.travel(datetime.datetime(2026, 11, 30, 11, 0, tzinfo=datetime.UTC)):
        yield


# --- reading a decimal ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "typed, number",
    [
        ("14.783,00", "14783.00"),  # Dutch
        ("14,783.00", "14783.00"),  # English
        ("0,2", "0.2"),
        ("0.2", "0.2"),
        ("1350", "1350"),
        ("1.350,00", "1350.00"),
        ("1.350", "1350"),  # one dot, three digits after one to three: Dutch thousands
        ("0.150", "0.150"),  # ... but never after a leading zero
        ("1350.00", "1350.00"),
        ("2.5", "2.5"),
        ("1,350", "1.350"),  # a lone comma is always the decimal comma
        ("1.350.000", "1350000"),
        ("1,350,000", "1350000"),
        ("€ 1.500", "1500"),
        ("1 350,00", "1350.00"),
        ("-250,00", "-250.00"),
        ("１２,５", "12.5"),  # full-width digits, NFKC
    ],
)
def test_dutch_and_english_notation_are_read_by_one_rule(typed, number):
    assert parse_decimal(typed)[0] == Decimal(number)


@pytest.mark.parametrize(
    "typed",
    ["1e3", "1E3", "NaN", "nan", "Infinity", "-Infinity", "inf", "0x10", "1.2.3", "12.34.567",
     "1,2,3", "14.78,00", "1,350.000,00", "", "-", "٤٢", "1/2", "<script>", "1\x00"],
)  # fmt: skip
def test_what_is_no_number_is_refused(typed):
    with pytest.raises(ValueError):
        parse_decimal(typed)


@pytest.mark.parametrize(
    "value, places, shown",
    [
        ("14783.00", 2, "14.783,00"),
        ("0.150", 3, "0,150"),
        ("1", 3, "1,000"),  # in English notation "1.000" would read back as a thousand
        ("-1234567.5", 2, "-1.234.567,50"),
        ("2.5", 2, "2,50"),
    ],
)
def test_a_shown_value_is_dutch_and_reads_back_to_itself(value, places, shown):
    assert dutch_number(Decimal(value), places) == shown
    assert parse_decimal(shown)[0] == Decimal(value)


def test_the_field_refuses_minus_zero_where_negative_makes_no_sense():
    field = DecimalInputField(kind="amount_or_zero", max_digits=12, decimal_places=2)
    for typed in ("-0", "-1", "-0,00"):
        with pytest.raises(ValidationError) as error:
            field.clean(typed)
        assert error.value.code == "negative"
    correction = DecimalInputField(kind="correction", max_digits=12, decimal_places=2)
    assert correction.clean("-250,00") == Decimal("-250.00")


# --- issue 13, found 8: the savings assumptions on a page ----------------------------------


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def form_values(html):
    """The values a browser would send back: every input's value and every select's
    selected option (this page's form has no checkboxes)."""
    form = html[html.index('id="assumptions-form"') :] if 'id="assumptions-form"' in html else html
    values = {}
    for tag in re.findall(r"<input[^>]*>", form):
        name = re.search(r'name="([^"]+)"', tag)
        value = re.search(r'value="([^"]*)"', tag)
        if name:
            values.setdefault(name.group(1), value.group(1) if value else "")
    for name, body in re.findall(r'<select name="([^"]+)"[^>]*>(.*?)</select>', form, re.S):
        selected = re.search(r'<option value="([^"]*)"[^>]*selected', body)
        values.setdefault(name, selected.group(1) if selected else "")
    return values


DECIMAL_ASSUMPTIONS = [
    "yearly_cost_bijstand",
    "yearly_cost_ww",
    "yearly_cost_both",
    "remaining_duration_years",
    "partial_benefit_share",
    "reference_outflow_rate",
]


def test_savings_assumptions_are_text_inputs_in_dutch_notation_and_round_trip(client, manager):
    client.force_login(manager)
    url = reverse("funding:savings")
    html = client.get(url).content.decode()
    for name in DECIMAL_ASSUMPTIONS:
        tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html).group(0)
        assert 'type="text"' in tag and 'inputmode="decimal"' in tag, tag
    values = form_values(html)
    assert values["yearly_cost_bijstand"] == "14.783,00"
    assert values["reference_outflow_rate"] == "0,150"

    # Send back what the page showed, with one assumption changed, as a person would.
    values.update({"yearly_cost_ww": "1.234,50", "note": "WW telt mee"})
    response = client.post(url, values)
    assert response.status_code == 302, response.context["form"].errors
    saved = SavingsAssumptions.objects.get(municipality=manager.municipality)
    assert saved.yearly_cost_ww == Decimal("1234.50")
    assert saved.yearly_cost_bijstand == Decimal("14783.00")
    assert saved.reference_outflow_rate == Decimal("0.150")
    assert saved.remaining_duration_years == Decimal("2.50")


@pytest.mark.parametrize(
    "name, typed",
    [
        ("yearly_cost_bijstand", "1e3"),
        ("yearly_cost_bijstand", "NaN"),
        ("yearly_cost_bijstand", "Infinity"),
        ("yearly_cost_bijstand", "-1.000,00"),  # issue 15: negative yearly benefit cost
        ("yearly_cost_ww", "-0"),
        ("yearly_cost_both", "999.999.999"),  # issue 15: far beyond any yearly cost
        ("reference_outflow_rate", "15"),  # a fraction, not a percentage
        ("remaining_duration_years", "0"),
    ],
)
def test_savings_assumptions_refuse_what_is_no_plausible_number(client, manager, name, typed):
    client.force_login(manager)
    url = reverse("funding:savings")
    values = form_values(client.get(url).content.decode())
    values.update({name: typed, "note": "poging"})
    response = client.post(url, values)
    assert response.status_code == 200
    assert response.context["form"].errors[name]
    assert not SavingsAssumptions.objects.exists()


@pytest.mark.parametrize("typed", ["1e3", "NaN", "Infinity", "1E+3", "-0"])
def test_an_amount_refuses_exponents_and_non_numbers(client, manager, typed):
    fund = FundFactory(municipality=manager.municipality)
    client.force_login(manager)
    url = reverse("funding:deposit", args=[fund.pk])
    response = client.post(url, {"amount": typed, "description": "Rijk"})
    assert response.status_code == 200
    assert response.context["form"].errors["amount"]
    assert not fund.entries.exists()


def test_amounts_above_ten_million_are_refused_with_the_bound(client, manager):
    fund = FundFactory(municipality=manager.municipality)
    client.force_login(manager)
    url = reverse("funding:deposit", args=[fund.pk])
    response = client.post(url, {"amount": "999.999.999,00", "description": "Rijk"})
    assert response.status_code == 200
    assert "€ 10.000.000,00" in str(response.context["form"].errors["amount"])
    assert client.post(url, {"amount": "10.000.000", "description": "Rijk"}).status_code == 302


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


def participant_data(**changes):
    return {
        "bsn": "111222333",
        "first_name": "Fatima",
        "last_name": "Yilmaz",
        "birth_date": "1985-04-12",
        "enrolled_on": "2026-11-02",
        "benefit_type": "bijstand",
        "monthly_benefit": "1.350,00",
        **changes,
    }


def test_monthly_benefit_takes_dutch_thousands_and_shows_them_again(client, consultant):
    client.force_login(consultant)
    response = client.post(reverse("participants:create"), participant_data())
    assert response.status_code == 302, response.context["form"].errors
    participant = Participant.objects.get()
    assert participant.monthly_benefit == Decimal("1350.00")
    edit = client.get(reverse("participants:edit", args=[participant.pk])).content.decode()
    assert re.search(r'name="monthly_benefit"[^>]*value="1.350,00"', edit) or re.search(
        r'value="1.350,00"[^>]*name="monthly_benefit"', edit
    )


# --- issue 15, found 4 and 7: plausible values ---------------------------------------------


@pytest.mark.parametrize(
    "birth_date, refused",
    [
        ("1899-12-31", True),
        ("1900-01-01", False),
        ("2011-11-30", False),  # fifteen today
        ("2011-12-01", True),  # fifteen tomorrow
        ("9999-12-31", True),
    ],
)
def test_birth_dates_lie_between_1900_and_fifteen_years_ago(
    client, consultant, birth_date, refused
):
    client.force_login(consultant)
    response = client.post(reverse("participants:create"), participant_data(birth_date=birth_date))
    if refused:
        assert response.status_code == 200
        assert "15" in str(response.context["form"].errors["birth_date"])
        assert not Participant.objects.exists()
    else:
        assert response.status_code == 302


def test_session_dates_lie_at_most_a_year_ahead(client, consultant):
    participant = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    client.force_login(consultant)
    url = reverse("participants:session_create", args=[participant.pk])
    data = {"held_on": "2026-11-30", "minutes": "45", "kind": "individual"}
    far = client.post(url, {**data, "next_appointment": "9999-12-31T10:00"})
    assert far.status_code == 200 and far.context["form"].errors["next_appointment"]
    assert client.post(url, {**data, "next_appointment": "2027-11-30T10:00"}).status_code == 302


def test_no_end_date_is_an_empty_field_not_9999(client, manager):
    programme = ProgrammeFactory(municipality=manager.municipality)
    client.force_login(manager)
    url = reverse("evaluation:questionnaire_create")
    data = {"programme": programme.pk, "title": "Nulmeting", "audience": "participants",
            "wave": "baseline", "introduction": ""}  # fmt: skip
    response = client.post(url, {**data, "closes_on": "9999-12-31"})
    assert response.status_code == 200
    assert "leeg" in str(response.context["form"].errors["closes_on"])
    assert client.post(url, {**data, "closes_on": ""}).status_code == 302
    assert Questionnaire.objects.get().closes_on is None


def test_a_group_ending_in_9999_is_refused(client, manager):
    programme = ProgrammeFactory(municipality=manager.municipality)
    client.force_login(manager)
    response = client.post(
        reverse("participants:cohort_create"),
        {"programme": programme.pk, "name": "Groep X", "start_date": "2026-12-01",
         "end_date": "9999-12-31", "capacity": "10"},
    )  # fmt: skip
    assert response.status_code == 200 and response.context["form"].errors["end_date"]


def test_hours_a_week_lie_between_0_and_60(client, consultant):
    participant = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    cohort = CohortFactory(programme=ProgrammeFactory(municipality=consultant.municipality))
    from participants.services import enrol

    enrol(consultant, cohort, participant)
    outcome = participant.outcomes.order_by("due_on").first()
    client.force_login(consultant)
    url = reverse("participants:outcome", args=[outcome.pk])
    data = {
        "measured_on": "2026-11-30",
        "employment": "part_time",
        "contract": "temporary",
        "benefit_status": "none",
        "benefit_end_reason": "work",
        "source": "participant",
    }
    for hours in ("-1", "61", "1e3", "²³⁴"):
        response = client.post(url, {**data, "hours_per_week": hours})
        assert response.status_code == 200, hours
        assert response.context["form"].errors["hours_per_week"], hours


def test_the_bounds_table_names_every_kind_a_form_uses():
    assert {"birth_date", "session_date", "programme_date", "follow_up_date", "amount",
            "hours_per_week", "percentage", "yearly_cost", "fraction"} <= set(BOUNDS)  # fmt: skip


# --- date arithmetic at the edge ---------------------------------------------------------


def test_date_arithmetic_is_safe_on_the_last_date_there_is():
    assert closing_time(Questionnaire(closes_on=datetime.date.max)) is None
    assert follow_up_due_date(datetime.date.max, 18) == datetime.date.max
    assert follow_up_due_date(datetime.date(2026, 4, 24), 6) == datetime.date(2026, 10, 24)


def test_enrolling_in_a_group_saved_with_end_9999_works(client, consultant):
    # Saved before the form refused it: the follow-ups fall on the last date there is.
    cohort = CohortFactory(
        programme=ProgrammeFactory(municipality=consultant.municipality),
        end_date=datetime.date(9999, 12, 31),
    )
    cohort.trainers.add(consultant)
    participant = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    client.force_login(consultant)
    response = client.post(
        reverse("participants:cohort_enrol", args=[cohort.pk]), {"participant": participant.pk}
    )
    assert response.status_code == 302
    assert participant.outcomes.count() == 4


def test_audit_period_ending_9999_is_a_form_error_not_a_crash(client, manager):
    client.force_login(manager)
    response = client.get(reverse("audit_list"), {"date_to": "9999-12-31"})
    assert response.status_code == 200


@pytest.mark.parametrize(
    "url_name, parameter",
    [
        ("participants:caseload", "cohort"),
        ("evaluation:report_list", "programme"),
        ("funding:savings", "version"),
        ("evaluation:dashboard", "programme"),
    ],
)
@pytest.mark.parametrize("value", ["²", "٤", "-1", "1e3", "99999999999999999999999", "\x00"])
def test_odd_ids_in_the_query_string_give_a_page_or_404(
    client, manager, consultant, url_name, parameter, value
):
    client.force_login(consultant if url_name.startswith("participants") else manager)
    response = client.get(reverse(url_name), {parameter: value})
    assert response.status_code in (200, 404)


def test_parse_id_takes_ascii_digits_within_bigint_only():
    assert parse_id("42") == 42
    assert [parse_id(v) for v in ("²", "٤٢", "-1", "0", "1e3", "9" * 20, None, "")] == [None] * 8


# --- issue 15, found 5: BSN in other digits -------------------------------------------------


def test_digits_are_ascii_after_nfkc_and_other_scripts_are_refused_in_dutch():
    assert ascii_digits("１２３ ４５６ ７８２") == "123456782"
    assert ascii_digits("¹²³") == "123"
    with pytest.raises(ValidationError):
        ascii_digits("٤٢٠٤٣١٩٧٤")
    assert not is_valid_bsn("٤٢٠٤٣١٩٧٤")
    assert not is_valid_bsn("¹¹¹²²²³³³")  # not normalised: no crash, no BSN
    assert is_valid_bsn(normalise_bsn("¹¹¹²²²³³³"))


def test_a_bsn_in_arabic_indic_digits_does_not_register_the_same_person_twice(client, consultant):
    ParticipantFactory(municipality=consultant.municipality, bsn="420431974")
    client.force_login(consultant)
    response = client.post(reverse("participants:create"), participant_data(bsn="٤٢٠٤٣١٩٧٤"))
    assert response.status_code == 200
    assert "0 tot en met 9" in str(response.context["form"].errors["bsn"])
    assert Participant.objects.count() == 1


def test_a_bsn_in_superscript_digits_is_the_same_bsn_not_a_crash(client, consultant):
    ParticipantFactory(municipality=consultant.municipality, bsn="111222333")
    client.force_login(consultant)
    response = client.post(reverse("participants:create"), participant_data(bsn="¹¹¹²²²³³³"))
    assert response.status_code == 200
    assert response.context["form"].errors["bsn"]  # already registered
    assert Participant.objects.count() == 1


def test_the_import_calls_an_arabic_indic_bsn_invalid_not_new(consultant):
    from django.core.files.uploadedfile import SimpleUploadedFile

    ParticipantFactory(municipality=consultant.municipality, bsn="420431974")
    upload = SimpleUploadedFile(
        "export.csv",
        "BSN;Voornaam;Achternaam;Geboortedatum;Uitkering\n"
        "٤٢٠٤٣١٩٧٤;Anna;Visser;12-04-1985;bijstand\n"
        "¹¹¹²²²³³³;Bram;Smit;12-04-1985;bijstand\n".encode(),
    )
    preview = imports.validate_rows(consultant, imports.read_rows(upload))
    first, second = preview.rows
    assert "invalid_bsn" in first.error_codes
    assert second.values.get("bsn", second._fields.get("bsn")) in (None, "111222333")
    assert "invalid_bsn" not in second.error_codes


@pytest.mark.parametrize(
    "typed, number",
    [("12,5", "12.50"), ("1.350", "1350.00"), ("1e3", None), ("NaN", None), ("Infinity", None)],
)
def test_a_number_answer_to_a_questionnaire_is_read_by_the_same_rule(typed, number):
    from evaluation.questionnaires.models import Question, QuestionKind
    from evaluation.questionnaires.services import clean_answer

    question = Question(kind=QuestionKind.NUMBER, text="Uren per week", required=True)
    if number is None:
        with pytest.raises(ValidationError):
            clean_answer(question, typed)
    else:
        assert clean_answer(question, typed) == {"number": Decimal(number)}
