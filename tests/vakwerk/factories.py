import datetime

import factory

from employers.models import EmployerMembership
from vakwerk.models import Municipality, Programme, ProgrammeActivity, ProgrammeGoal, User
from vakwerk.roles import Role


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality
        django_get_or_create = ["cbs_code"]

    name = factory.Sequence(lambda n: f"Gemeente {n}")
    # Four digits, as CBS's codes: a test process that makes more than a thousand starts
    # again at 9000 (no test makes that many at once; each test's rows are rolled back).
    cbs_code = factory.Sequence(lambda n: f"{9000 + n % 1000:04d}")
    colour = "#01689b"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@gemeente.example")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Gebruiker {n}")
    role = Role.CONSULTANT
    municipality = factory.SubFactory(MunicipalityFactory)
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-battery")

    @classmethod
    def _create(cls, model_class, *args, employer=None, **kwargs):
        # `employer=` (and the employer_user trait) ties the user to an employer the way the
        # employers app does: through its membership, not a field of the core's user.
        user = super()._create(model_class, *args, **kwargs)
        if employer is not None:
            EmployerMembership.objects.create(user=user, employer=employer)
        return user

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()

    class Params:
        manager = factory.Trait(role=Role.MANAGER)
        wsp = factory.Trait(role=Role.WSP)
        researcher = factory.Trait(role=Role.RESEARCHER)
        admin = factory.Trait(role=Role.ADMIN)
        employer_user = factory.Trait(
            role=Role.EMPLOYER,
            employer=factory.SubFactory(
                "tests.employers.factories.EmployerFactory",
                municipality=factory.SelfAttribute("..municipality"),
            ),
        )


class ProgrammeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Programme

    municipality = factory.SubFactory(MunicipalityFactory)
    name = factory.Sequence(lambda n: f"VAK programma {n}")
    start_date = datetime.date(2026, 1, 5)
    end_date = datetime.date(2027, 6, 30)


class ProgrammeActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeActivity

    programme = factory.SubFactory(ProgrammeFactory)
    what = factory.Sequence(lambda n: f"Activiteit {n}")
    who = "Projectleider"
    due_date = datetime.date(2026, 3, 1)


class ProgrammeGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ProgrammeGoal

    programme = factory.SubFactory(ProgrammeFactory)
    metric = "participants"
    target = 72


def verified_login(client, user):
    """Logs `user` in with a confirmed second factor, as platform operators need for the
    Django admin (vakwerk/admin_site.py)."""
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    device = TOTPDevice.objects.create(user=user, name="test", confirmed=True)
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client
