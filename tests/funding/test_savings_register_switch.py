"""The manager's switch between the benefit register's measured counterfactual and the
assumed one: a versioned, audited savings assumption changed on the savings page; the
page names the counterfactual used and why; the figures are recomputed from the
generated register (`tests/participants/register/test_net_effect_shown.py`'s world), not
read back from the app."""

import datetime

import pytest
from django.urls import reverse
from django.utils import translation

from funding import savings
from funding.models import SavingsAssumptions
from funding.templatetags.money import euro
from participants.models import BenefitStatus, Employment, OutcomeMeasurement
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.participants.register import test_net_effect_shown as shown
from tests.participants.register.generated_register import DUE_ON, GROUP_END
from tests.participants.register.test_net_effect_shown import (
    comparison_interval,
    expected_net,
    rate,
    words,
)
from vakwerk.audit import AuditAction
from vakwerk.idempotency import FIELD_NAME, new_key
from vakwerk.models import AuditEntry
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

SAVINGS_URL = reverse("funding:savings")
# The generated register's world, its clock and its private storage.
world = shown.world
_clock = shown._clock
private_storage = shown.private_storage


def form_data(assumptions, user, **changes):
    data = {name: getattr(assumptions, name) for name in savings.ASSUMPTION_FIELDS}
    data.update(note="Contrafeitelijk scenario gekozen", **changes)
    if not data["use_register_rate"]:
        del data["use_register_rate"]  # an unticked checkbox is not sent
    data[FIELD_NAME] = new_key(user)
    return data


def net_projected_shown(page, programme):
    return page.split(f'data-testid="counterfactual-{programme.pk}"')[1].split("</p>")[0]


def test_the_manager_switches_between_measured_and_assumed_and_the_figures_follow(login, world):
    people, programme, manager = world["people"], world["programme"], world["manager"]
    defaults = savings.default_assumptions(world["municipality"])
    assert defaults.use_register_rate
    p_c, low, high = comparison_interval(people)
    client = login(manager)

    # Measured (the default): the register's rate and its interval.
    page = client.get(SAVINGS_URL).content.decode()
    measured_net = expected_net(people, defaults, rate(p_c))
    with translation.override("nl"):
        assert euro(measured_net) in page
        low_end = euro(expected_net(people, defaults, rate(high)))
        high_end = euro(expected_net(people, defaults, rate(low)))
    assert f"{low_end} – {high_end}" in words(page)
    assert f'data-testid="counterfactual-why-{programme.pk}"' not in page

    # The manager chooses the assumed rate: a new version, audited.
    response = client.post(SAVINGS_URL, form_data(defaults, manager, use_register_rate=False))
    assert response.status_code == 302
    version = SavingsAssumptions.objects.current(world["municipality"])
    assert (version.version, version.use_register_rate) == (1, False)
    assert AuditEntry.objects.filter(
        action=AuditAction.CREATE, object_id=str(version.pk), user=manager
    ).exists()
    page = client.get(SAVINGS_URL).content.decode()
    assumed = version.reference_outflow_rate
    assumed_net = expected_net(people, version, assumed)
    assert assumed_net != measured_net
    text = words(page)
    with translation.override("nl"):
        assert euro(assumed_net) in page
        assert euro(measured_net) not in page
        assert f"{low_end} – {high_end}" not in text
        measured_percent = savings.formatting.percent(rate(p_c))
    assert "Contrafeitelijk: volgens de referentie-uitstroom was 15% van de gemeten" in text
    why = words(page.split(f'data-testid="counterfactual-why-{programme.pk}">')[1].split("<")[0])
    assert why == (
        "De manager koos het aangenomen contrafeitelijk scenario in de besparingsaannames; "
        f"het uitkeringsregister mat {measured_percent} "
        f"({world['expected']['matched']} deelnemers gematcht)."
    )
    assert "gemeten in het uitkeringsregister nee" in text  # the assumption's own row

    # And back: the measured rate again, in version 2.
    client.post(SAVINGS_URL, form_data(version, manager, use_register_rate=True))
    assert SavingsAssumptions.objects.current(world["municipality"]).version == 2
    page = client.get(SAVINGS_URL).content.decode()
    with translation.override("nl"):
        assert euro(measured_net) in page
    assert f'data-testid="counterfactual-why-{programme.pk}"' not in page


def test_too_few_matches_keeps_the_assumed_rate_and_says_why(login, world):
    """A programme none of whose measured participants the register can match (they
    entered before its first snapshot) keeps the assumed rate, with the reason."""
    municipality, manager = world["municipality"], world["manager"]
    other = world["programme"].__class__.objects.create(
        municipality=municipality, name="Vroeg traject", start_date=datetime.date(2024, 1, 1)
    )
    cohort = CohortFactory(programme=other, start_date=datetime.date(2024, 11, 4),
                           end_date=GROUP_END)  # fmt: skip
    for _index in range(4):
        participant = ParticipantFactory(
            municipality=municipality, programme=other, benefit_type="bijstand",
            benefit_start=datetime.date(2023, 1, 1), enrolled_on=datetime.date(2024, 11, 4),
        )  # fmt: skip
        OutcomeMeasurement.objects.create(
            participant=participant, cohort=cohort, follow_up=6, due_on=DUE_ON,
            measured_on=DUE_ON, employment=Employment.FULL_TIME,
            benefit_status=BenefitStatus.NONE, benefit_end_reason="work",
        )  # fmt: skip
    result = savings.compute_savings(other, savings.default_assumptions(municipality))
    assert result.counterfactual_source == savings.SOURCE_REFERENCE_RATE
    assert result.counterfactual_reason == savings.REASON_NO_MATCHES
    page = login(manager).get(SAVINGS_URL).content.decode()
    why = words(page.split(f'data-testid="counterfactual-why-{other.pk}">')[1].split("<")[0])
    assert why.startswith("Aangenomen omdat het uitkeringsregister te weinig matches heeft")
    # The matched programme beside it still uses the register.
    assert f'data-testid="counterfactual-why-{world["programme"].pk}"' not in page


def test_a_repeated_post_makes_one_version(login, world):
    manager = world["manager"]
    data = form_data(savings.default_assumptions(world["municipality"]), manager,
                     use_register_rate=False)  # fmt: skip
    client = login(manager)
    first, second = client.post(SAVINGS_URL, data), client.post(SAVINGS_URL, data)
    assert first.status_code == second.status_code == 302
    assert SavingsAssumptions.objects.filter(municipality=world["municipality"]).count() == 1


def test_only_the_municipalitys_manager_switches_it(login, world, make_user, other_municipality):
    manager = world["manager"]
    defaults = savings.default_assumptions(world["municipality"])
    for role in (Role.CONSULTANT, Role.RESEARCHER):
        user = make_user(role, municipality=world["municipality"])
        data = form_data(defaults, user, use_register_rate=False)
        assert login(user).post(SAVINGS_URL, data).status_code == 403
    assert not SavingsAssumptions.objects.exists()
    # Another municipality's manager changes their own model, never this one, and cannot
    # open this municipality's version.
    login(manager).post(SAVINGS_URL, form_data(defaults, manager, use_register_rate=False))
    elsewhere = make_user(Role.MANAGER, municipality=other_municipality)
    client = login(elsewhere)
    assert client.get(SAVINGS_URL, {"version": 5}).status_code == 404
    client.post(SAVINGS_URL, form_data(defaults, elsewhere, use_register_rate=True))
    assert not SavingsAssumptions.objects.current(world["municipality"]).use_register_rate
    assert SavingsAssumptions.objects.current(other_municipality).use_register_rate
