"""The demo's benefit register (issue 20, 5): Demo Zwolle's manager opens the net-effect
page and sees the participants against a matched comparison group from the register, a
positive net effect with its 95 % interval; the participants are linked, not registered
twice; seeding again adds nothing."""

import io
import re
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse

from participants.models import Participant
from participants.register import selectors
from participants.register.models import BenefitSpell, RegisterPerson, RegisterSnapshot
from vakwerk.models import User

pytestmark = pytest.mark.django_db

NET_EFFECT_URL = reverse("benefit_register:net_effect")


def test_the_demo_shows_a_positive_net_effect_with_its_interval(client, demo):
    manager = User.objects.get(email="manager@zwolle.example")
    client.force_login(manager)
    response = client.get(NET_EFFECT_URL)
    assert response.status_code == 200
    effects = response.context["effects"]
    assert effects.snapshots == 9
    (six,) = effects.for_follow_up(6)
    # Everyone measured at 6 months matched: enrolled after the first snapshot, due before
    # the latest, and a comparable pool for each.
    assert six.measured == 72
    assert six.matched == 72
    assert six.participants_percent == 57
    assert six.comparison_percent == 27
    assert (six.difference_points, six.low_points, six.high_points) == (
        Decimal("29.5"), Decimal("17.9"), Decimal("41.1"),
    )  # fmt: skip
    assert 0 < six.low < six.difference < six.high
    page = re.sub(r"\s+", " ", response.content.decode())
    interval = f"{six.low_points} – {six.high_points}".replace(".", ",")
    assert interval in page
    (three,) = effects.for_follow_up(3)
    assert three.matched == 71
    assert three.measurable


def test_the_demo_register_links_its_participants_by_bsn(demo):
    zwolle = RegisterSnapshot.objects.filter(municipality__name="Demo Zwolle")
    assert zwolle.count() == 9
    participants = Participant.objects.filter(municipality__name="Demo Zwolle")
    linked = RegisterPerson.objects.filter(participant__in=participants)
    assert linked.count() == participants.count() == 72
    people = RegisterPerson.objects.filter(municipality__name="Demo Zwolle")
    # Ten comparison people or more per participant; none registered twice.
    assert people.count() >= 10 * 72
    assert people.values("bsn_hash").distinct().count() == people.count()
    assert not RegisterSnapshot.objects.filter(municipality__name="Demo Kampen").exists()


def test_seeding_the_demo_again_adds_no_snapshot(demo):
    before = (RegisterSnapshot.objects.count(), RegisterPerson.objects.count(),
              BenefitSpell.objects.count())  # fmt: skip
    call_command("seed_demo", stdout=io.StringIO())
    after = (RegisterSnapshot.objects.count(), RegisterPerson.objects.count(),
             BenefitSpell.objects.count())  # fmt: skip
    assert after == before


def test_the_demo_net_effect_by_benefit_type_is_larger_for_ww(demo):
    latest = RegisterSnapshot.objects.filter(municipality__name="Demo Zwolle").first()
    effects = selectors.net_effects(latest.municipality, latest.taken_on)
    rows = {row.key: row for row in effects.rows if row.dimension == "benefit_type"
            and row.follow_up == 6}  # fmt: skip
    assert rows["ww"].participants_rate > rows["bijstand"].participants_rate
    assert rows["ww"].comparison_rate > rows["bijstand"].comparison_rate
