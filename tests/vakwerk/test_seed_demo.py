import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from consultants.models import CoachingSession, IntervisionSession
from employers.models import Employer, Opportunity
from participants.models import OutcomeMeasurement, Participant
from vakwerk.models import Municipality, Programme, User
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db


def test_seed_demo_creates_both_municipalities_with_a_user_per_role(capsys):
    call_command("seed_demo")
    output = capsys.readouterr().out
    assert set(Municipality.objects.values_list("name", flat=True)) == {
        "Demo Zwolle",
        "Demo Kampen",
    }
    for domain in ("zwolle.example", "kampen.example"):
        for role in Role:
            user = User.objects.get(email=f"{role.value}@{domain}")
            assert user.role == role
            assert user.check_password("vakwerk-demo")
            assert f"{role.value}@{domain}" in output


def test_zwolle_is_shaped_like_the_trial(demo):
    zwolle = Programme.objects.get(municipality__name="Demo Zwolle")
    goals = {goal.metric: goal.target for goal in zwolle.goals.all()}
    assert goals == {"participants": 72, "cohorts": 6, "in_work_3m": 48, "off_benefit_6m": 57}
    participants = Participant.objects.filter(municipality__name="Demo Zwolle")
    assert participants.count() == 72
    assert participants.filter(benefit_type="ww").count() == 36
    assert participants.filter(benefit_type="bijstand").count() == 36
    assert set(participants.values_list("target_group", flat=True)) == {
        "youth",
        "workers",
        "older",
    }
    assert zwolle.cohorts.count() == 6
    assert participants.filter(status="off_benefit").count() == 41
    at_3 = OutcomeMeasurement.objects.filter(participant__in=participants, follow_up=3).measured()
    assert round(100 * at_3.in_work().count() / at_3.count()) == 48
    at_6 = OutcomeMeasurement.objects.filter(participant__in=participants, follow_up=6).measured()
    off = at_6.filter(benefit_status="none")
    assert round(100 * off.count() / participants.count()) == 57
    assert off.filter(participant__benefit_type="bijstand").count() == 14
    assert CoachingSession.objects.filter(participant__in=participants).count() > 300
    assert IntervisionSession.objects.filter(municipality=zwolle.municipality).exists()
    assert zwolle.activities.count() >= 5
    assert Employer.objects.filter(municipality__name="Demo Zwolle").count() >= 3


def test_seed_demo_is_idempotent(demo):
    counts = [m.objects.count() for m in (Municipality, User, Programme, Participant, Opportunity)]
    call_command("seed_demo")
    assert counts == [
        m.objects.count() for m in (Municipality, User, Programme, Participant, Opportunity)
    ]


def test_demo_password_comes_from_the_environment(monkeypatch):
    monkeypatch.setenv("DEMO_PASSWORD", "een-ander-demo-wachtwoord")
    call_command("seed_demo")
    assert User.objects.get(email="admin@kampen.example").check_password(
        "een-ander-demo-wachtwoord"
    )


def test_seed_demo_refuses_where_demo_data_is_not_allowed(settings):
    settings.ALLOW_DEMO_DATA = False
    with pytest.raises(CommandError):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_demo_users_of_one_municipality_do_not_see_the_other(client, demo):
    kampen = Programme.objects.get(municipality__name="Demo Kampen")
    client.force_login(User.objects.get(email="manager@zwolle.example"))
    assert client.get(reverse("programme_detail", args=[kampen.pk])).status_code == 404
