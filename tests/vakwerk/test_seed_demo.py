import os
import subprocess
import sys
from pathlib import Path

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


def test_production_settings_do_not_install_the_demo_app():
    """seed_demo and the demo builders belong to vakwerk.demo, which production leaves out:
    there the command does not exist at all, while the dev settings (make run) have it."""

    def manage(settings_module, *args):
        environment = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("DJANGO_", "DATABASE_URL", "CELERY_", "VAKWERK_"))
        }
        environment.update(
            DJANGO_SETTINGS_MODULE=settings_module,
            DJANGO_SECRET_KEY="a-real-secret-" + "x9Y8z7W6v5U4t3S2r1Q0" * 3,
            DATABASE_URL="postgres://x@h/db",
            DJANGO_ALLOWED_HOSTS="vakwerk.example",
            VAKWERK_BASE_URL="https://vakwerk.example",
            VAKWERK_FIELD_KEY="a-real-field-key-" + "Q1w2E3r4T5y6U7i8O9p0" * 2,
        )
        return subprocess.run(
            [sys.executable, "manage.py", *args],
            cwd=Path(__file__).resolve().parents[2],
            env=environment,
            capture_output=True,
            text=True,
            check=False,
        )

    production = manage("vakwerk.settings.production", "help", "seed_demo")
    assert production.returncode != 0
    assert "Unknown command: 'seed_demo'" in production.stderr
    installed = "from django.apps import apps; print(apps.is_installed('vakwerk.demo'))"
    assert (
        manage("vakwerk.settings.production", "shell", "-v", "0", "-c", installed).stdout
        == "False\n"
    )
    assert manage("vakwerk.settings.dev", "help", "seed_demo").returncode == 0
