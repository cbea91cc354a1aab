"""Issue 19: the employer user's employer lives in the employers app (EmployerMembership),
not on the core's user. The migrations move it without loss, both ways, and the one service
keeps the guarantee the database check used to give."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from employers.models import EmployerMembership
from employers.selectors import employer_of
from employers.services import attach_employer
from tests.employers.factories import EmployerFactory
from tests.vakwerk.factories import MunicipalityFactory, UserFactory
from vakwerk.roles import Role

BEFORE = [("vakwerk", "0007_municipality_colour_readable"), ("employers", "0003_matching")]


def _latest(executor):
    executor.loader.build_graph()
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_employer_users_keep_their_employer_back_and_forth(municipality):
    employer = EmployerFactory(municipality=municipality, name="Bakkerij Bol")
    worker = UserFactory(role=Role.EMPLOYER, municipality=municipality, employer=employer)
    colleague = UserFactory(role=Role.CONSULTANT, municipality=municipality)
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE)
        old = executor.loader.project_state(BEFORE).apps
        OldUser = old.get_model("vakwerk", "User")
        # Backwards the employer is on the user again, and the old check holds.
        assert OldUser.objects.get(pk=worker.pk).employer_id == employer.pk
        assert OldUser.objects.get(pk=colleague.pk).employer_id is None
        # A user made before the move gets their membership on the way forward.
        newcomer = OldUser.objects.create(
            email="nieuw@bakkerij.example", role=Role.EMPLOYER,
            municipality_id=municipality.pk, employer_id=employer.pk,
        )  # fmt: skip
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(_latest(executor))
    assert employer_of(worker) == employer
    assert EmployerMembership.objects.get(user_id=newcomer.pk).employer == employer
    assert not EmployerMembership.objects.filter(user_id=colleague.pk).exists()


@pytest.mark.django_db
def test_an_employer_user_belongs_to_one_employer_of_the_own_municipality(municipality):
    elsewhere = EmployerFactory(municipality=MunicipalityFactory())
    user = UserFactory(role=Role.EMPLOYER, municipality=municipality)
    with pytest.raises(ValidationError):
        attach_employer(user, elsewhere)
    with pytest.raises(ValidationError):
        attach_employer(user, None)
    consultant = UserFactory(role=Role.CONSULTANT, municipality=municipality)
    with pytest.raises(ValidationError):
        attach_employer(consultant, EmployerFactory(municipality=municipality))
    own = EmployerFactory(municipality=municipality)
    attach_employer(user, own)
    assert employer_of(user) == own
    assert not EmployerMembership.objects.filter(user=consultant).exists()
