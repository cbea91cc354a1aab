"""The talent profile as the consultant's page (issue 16, build 1): the form writes what the
matching reads, the history keeps each change, the reasons on the board link back to the
field that would change them, and only the participant's own staff open it."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import translation

from employers.models import Match, MatchStage, OpportunityStatus
from employers.selectors import employer_of
from participants import services
from participants.models import Certificate, Intake, Status, TalentProfile
from tests.employers.factories import OpportunityFactory
from tests.participants.factories import ParticipantFactory
from vakwerk.audit import AuditAction
from vakwerk.models import AuditEntry, FieldChange
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def nl(text, **params):
    with translation.override("nl"):
        return translation.gettext(text) % params if params else translation.gettext(text)


def certificate_nl(code):
    with translation.override("nl"):
        return str(Certificate(code).label)


@pytest.fixture
def consultant(make_user):
    return make_user(Role.CONSULTANT)


@pytest.fixture
def employer_user(make_user):
    return make_user(Role.EMPLOYER)


@pytest.fixture
def opportunity(employer_user):
    return OpportunityFactory(
        employer=employer_of(employer_user),
        title="Orderpicker magazijn",
        status=OpportunityStatus.CONFIRMED,
        conditions=[Certificate.GOED_WERKNEMER, Certificate.VCA],
        skills_wanted="heftruck, magazijn",
        target_groups=["workers"],
        hours_per_week=32,
    )


@pytest.fixture
def newcomer(municipality, consultant):
    """Registered in the browser: no talent profile, so the matching sees nothing."""
    return ParticipantFactory(
        municipality=municipality,
        consultant=consultant,
        status=Status.IN_PROGRAMME,
        consent_share_profile=True,
        first_name="Noor",
        last_name="Nieuwkomer",
    )


def profile_url(participant):
    return reverse("participants:talent_profile", args=[participant.pk])


def suggested_ids(response):
    html = response.content.decode()
    return [
        int(pk) for pk in re.findall(r'data-testid="suggestion" data-participant="(\d+)"', html)
    ]


FILLED = {
    "skills_common": ["heftruck", "magazijn"],
    "skills_other": "Orderpicken, scanner",
    "cert_goed_werknemer": "on",
    "cert_goed_werknemer_on": "2026-03-20",
    "cert_vca": "on",
    "cert_vca_on": "2026-04-02",
    "hours_available": "36",
    "days_available": ["mon", "tue", "wed", "thu"],
    "availability": "Niet op vrijdag",
    "education": "Mbo-2 Logistiek",
    "experience": "Twee jaar magazijnwerk bij een groothandel",
    "passions": "Fietsen repareren",
    "summary": "Nauwkeurige orderpicker met VCA, zoekt vast werk in de logistiek.",
}


def test_filling_the_profile_lifts_the_participant_on_the_board_with_a_reason_naming_it(
    client, municipality, consultant, opportunity, newcomer
):
    # Three colleagues with a partial profile rank above the newcomer today.
    for index in range(3):
        other = ParticipantFactory(
            municipality=municipality, consultant=consultant, status=Status.IN_PROGRAMME
        )
        services.save_talent_profile(
            consultant, other, certificates=[Certificate.GOED_WERKNEMER], hours_available=24,
            skills=f"magazijn {index}",
        )  # fmt: skip
    client.force_login(consultant)
    board_url = reverse("employers:board", args=[opportunity.pk])
    before = client.get(board_url)
    assert suggested_ids(before)[-1] == newcomer.pk
    lacks_vca = nl("lacks: %(c)s", c=certificate_nl(Certificate.VCA))
    assert lacks_vca in before.content.decode()
    # The reason links to the certificates part of the form.
    assert f'{profile_url(newcomer)}#profile-certificates"' in before.content.decode()

    response = client.post(profile_url(newcomer), FILLED)

    assert response.status_code == 302
    assert response.url.endswith("#talent-profile")
    after = client.get(board_url)
    assert suggested_ids(after)[0] == newcomer.pk
    html = after.content.decode()
    meets_vca = nl("meets: %(c)s", c=certificate_nl(Certificate.VCA))
    assert meets_vca in html
    assert nl("skills: %(s)s", s="heftruck, magazijn") in html
    profile = TalentProfile.objects.get(participant=newcomer)
    assert profile.certificates == [Certificate.GOED_WERKNEMER, Certificate.VCA]
    assert profile.certificate_dates == {"goed_werknemer": "2026-03-20", "vca": "2026-04-02"}
    assert profile.skills == "magazijn, heftruck, Orderpicken, scanner"
    assert profile.days_available == ["mon", "tue", "wed", "thu"]
    # The history keeps what changed and who changed it; the audit trail the write.
    changes = FieldChange.objects.filter(participant_id=newcomer.pk, object_type="talentprofile")
    assert {c.field for c in changes} >= {"certificates", "skills", "hours_available", "summary"}
    assert all(c.changed_by == consultant for c in changes)
    assert AuditEntry.objects.filter(
        participant_id=newcomer.pk, action=AuditAction.CREATE, user=consultant
    ).exists()
    # The participant's page shows the profile.
    page = client.get(reverse("participants:detail", args=[newcomer.pk])).content.decode()
    assert "Nauwkeurige orderpicker met VCA" in page
    assert f"{certificate_nl(Certificate.VCA)} (2 april 2026)".lower() in page.lower()


def test_a_second_save_changes_the_row_and_records_only_what_changed(client, consultant, newcomer):
    client.force_login(consultant)
    client.post(profile_url(newcomer), FILLED)
    first = FieldChange.objects.filter(participant_id=newcomer.pk).count()
    last_pk = FieldChange.objects.order_by("-pk").values_list("pk", flat=True).first()
    client.post(profile_url(newcomer), FILLED)  # the same POST again
    assert FieldChange.objects.filter(participant_id=newcomer.pk).count() == first

    client.post(profile_url(newcomer), {**FILLED, "hours_available": "20", "cert_vca": ""
                                        , "cert_vca_on": ""})  # fmt: skip

    assert TalentProfile.objects.filter(participant=newcomer).count() == 1
    profile = TalentProfile.objects.get(participant=newcomer)
    assert profile.hours_available == 20
    assert profile.certificates == [Certificate.GOED_WERKNEMER]
    assert profile.certificate_dates == {"goed_werknemer": "2026-03-20"}
    newest = FieldChange.objects.filter(participant_id=newcomer.pk, pk__gt=last_pk)
    assert {c.field for c in newest} == {
        "hours_available", "certificates", "certificate_dates",
    }  # fmt: skip
    hours = FieldChange.objects.filter(participant_id=newcomer.pk, field="hours_available")
    assert [(c.old_value, c.new_value) for c in hours] == [("36", "20"), ("", "36")]
    # The timeline reads certificates and days by their names, not their codes.
    held = FieldChange.objects.filter(participant_id=newcomer.pk, field="certificates").first()
    goed, vca = certificate_nl(Certificate.GOED_WERKNEMER), certificate_nl(Certificate.VCA)
    assert (held.old_value, held.new_value) == (f"{goed}, {vca}", goed)
    dated = FieldChange.objects.filter(participant_id=newcomer.pk, field="certificate_dates")
    assert dated.first().new_value == f"{goed}: 20 maart 2026"
    days = FieldChange.objects.get(participant_id=newcomer.pk, field="days_available")
    assert days.new_value == "maandag, dinsdag, woensdag, donderdag"


def test_the_form_shows_the_saved_profile_and_passions_from_the_intake(
    client, consultant, newcomer
):
    Intake.objects.create(
        participant=newcomer, held_on=datetime.date(2026, 1, 12), held_by=consultant,
        passion_inventory="Sleutelen aan brommers",
    )  # fmt: skip
    client.force_login(consultant)
    empty = client.get(profile_url(newcomer)).content.decode()
    assert "Sleutelen aan brommers" in empty

    services.save_talent_profile(
        consultant, newcomer, skills="heftruck, Orderpicken", certificates=["vca"],
        certificate_dates={"vca": "2026-04-02"}, hours_available=28, passions="Fietsen",
    )  # fmt: skip
    form = client.get(profile_url(newcomer)).context["form"]
    assert form.initial["skills_common"] == ["heftruck"]
    assert form.initial["skills_other"] == "Orderpicken"
    assert form.initial["cert_vca"] is True
    assert form.initial["cert_vca_on"] == datetime.date(2026, 4, 2)
    assert form.initial["passions"] == "Fietsen"  # the profile's own, no longer the intake's


HOURS_MESSAGE = "Enter a number of hours a week from %(low)s up to and including %(high)s."


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("hours_available", "61", HOURS_MESSAGE),
        ("hours_available", "٤٠", None),
        ("hours_available", "veertig", None),
        ("cert_vca_on", "2099-01-01", "Enter a date from %(low)s up to and including %(high)s."),
        ("cert_vca_on", "31-02-2026", None),
        ("summary", "x" * 1501, None),
        ("skills_common", ["toveren"], None),
    ],
)  # fmt: skip
def test_odd_input_gets_a_dutch_form_error_and_saves_nothing(
    client, consultant, newcomer, field, value, message
):
    client.force_login(consultant)
    response = client.post(profile_url(newcomer), {**FILLED, field: value})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert field in errors
    text = " ".join(errors[field])
    if message:
        assert text.startswith(nl(message).split("%(low)s")[0])
        assert text.endswith(".")  # one sentence: the bounds, nothing about an end date
        assert nl("Leave the field empty when there is no end date.") not in text
    # The message is Dutch, not the English msgid.
    assert not re.search(r"\b(Enter|Select|Ensure)\b", text), text
    assert not TalentProfile.objects.filter(participant=newcomer).exists()


def test_a_date_without_the_certificate_ticked_is_refused(client, consultant, newcomer):
    client.force_login(consultant)
    response = client.post(profile_url(newcomer), {**FILLED, "cert_vca": ""})
    assert response.context["form"].errors["cert_vca"] == [
        nl("Tick the certificate, or clear the date it was obtained.")
    ]
    assert not TalentProfile.objects.filter(participant=newcomer).exists()


def test_scoping_who_may_open_the_form(
    client, make_user, municipality, other_municipality, consultant, newcomer
):
    url = profile_url(newcomer)
    client.force_login(make_user(Role.CONSULTANT, municipality=other_municipality))
    assert client.get(url).status_code == 404
    assert client.post(url, FILLED).status_code == 404
    client.force_login(make_user(Role.CONSULTANT))  # a colleague, not theirs
    assert client.get(url).status_code == 404
    for role in (Role.RESEARCHER, Role.EMPLOYER, Role.WSP):
        client.force_login(make_user(role))
        assert client.get(url).status_code == 403
        assert client.post(url, FILLED).status_code == 403
    assert not TalentProfile.objects.filter(participant=newcomer).exists()
    client.force_login(make_user(Role.MANAGER))
    assert client.get(url).status_code == 200
    assert client.post(url, FILLED).status_code == 302
    client.logout()
    assert client.get(url).status_code == 302  # to the login page


def test_the_service_refuses_another_municipality_and_other_roles(
    make_user, other_municipality, newcomer
):
    from django.core.exceptions import PermissionDenied

    for user in (
        make_user(Role.CONSULTANT, municipality=other_municipality),
        make_user(Role.RESEARCHER),
        make_user(Role.EMPLOYER),
    ):
        with pytest.raises(PermissionDenied):
            services.save_talent_profile(user, newcomer, hours_available=32)


def test_the_employer_sees_the_profile_without_links_to_the_form(
    client, employer_user, consultant, opportunity, newcomer
):
    services.save_talent_profile(
        consultant, newcomer, certificates=["goed_werknemer"], hours_available=20,
        summary="Zoekt werk in de logistiek",
    )  # fmt: skip
    match = Match.objects.create(
        opportunity=opportunity, participant=newcomer, stage=MatchStage.INTRODUCED, score=50
    )
    client.force_login(consultant)
    staff_page = client.get(reverse("employers:candidate", args=[match.pk])).content.decode()
    assert f'{profile_url(newcomer)}#profile-hours"' in staff_page
    client.force_login(employer_user)
    page = client.get(reverse("employers:candidate", args=[match.pk]))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="reason-link"' not in html
    assert profile_url(newcomer) not in html
    assert "Nieuwkomer" not in html


@pytest.mark.parametrize("rows", [1, 40])
def test_the_page_has_a_query_bound_that_does_not_grow(
    client, municipality, consultant, newcomer, rows, django_assert_max_num_queries
):
    for index in range(rows):
        other = ParticipantFactory(municipality=municipality, consultant=consultant)
        services.save_talent_profile(consultant, other, skills=f"magazijn {index}")
        services.save_talent_profile(
            consultant, newcomer, hours_available=index % 40, summary=f"versie {index}"
        )
    client.force_login(consultant)
    with django_assert_max_num_queries(9):
        assert client.get(profile_url(newcomer)).status_code == 200
    with django_assert_max_num_queries(15):
        assert client.post(profile_url(newcomer), FILLED).status_code == 302


def test_a_profile_written_earlier_is_dated_then_in_its_history(consultant, newcomer):
    # The demo writes each profile at the participant's intake, not on the seeding day.
    at_intake = datetime.datetime(2026, 1, 15, 10, tzinfo=datetime.UTC)
    services.save_talent_profile(
        consultant, newcomer, certificates=["vca"], hours_available=24, when=at_intake
    )
    changes = FieldChange.objects.filter(participant_id=newcomer.pk)
    assert {c.field for c in changes} == {"certificates", "hours_available"}
    assert {c.changed_at for c in changes} == {at_intake}
    assert changes.get(field="certificates").new_value == str(Certificate.VCA.label)
