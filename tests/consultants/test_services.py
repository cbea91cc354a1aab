import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from consultants import services
from consultants.models import (
    DEFAULT_COMPETENCIES,
    Competency,
    CompetencyAssessment,
    CompetencyScore,
    ConsultantProfile,
    IntervisionFocus,
    IntervisionSession,
    TrainingKind,
    TrainingRecord,
)
from tests.consultants.factories import (
    CompetencyAssessmentFactory,
    CompetencyFactory,
    CompetencyScoreFactory,
    ConsultantProfileFactory,
    IntervisionSessionFactory,
    TrainingRecordFactory,
)
from tests.participants.factories import ParticipantFactory
from vakwerk.roles import Role

pytestmark = pytest.mark.django_db

OUTSIDERS = [Role.WSP, Role.EMPLOYER, Role.RESEARCHER]


def days_ago(days):
    return timezone.localdate() - datetime.timedelta(days=days)


def training(**fields):
    return {
        "kind": TrainingKind.VAK_COURSE,
        "provider": "Hogeschool Windesheim",
        "started_on": days_ago(300),
        **fields,
    }


# --- training ---------------------------------------------------------------------------


def test_consultant_records_their_own_training(make_user):
    consultant = make_user(Role.CONSULTANT)
    record = services.record_training(
        consultant, **training(ended_on=days_ago(30), completed=True)
    )
    assert record.consultant == consultant
    assert record.recorded_by == consultant
    assert record.completed


def test_consultant_may_not_record_a_colleagues_training(make_user):
    with pytest.raises(PermissionDenied):
        services.record_training(make_user(Role.CONSULTANT), make_user(), **training())


def test_manager_records_training_of_a_team_member_only(make_user, other_municipality):
    manager = make_user(Role.MANAGER)
    record = services.record_training(manager, make_user(), **training())
    assert record.recorded_by == manager
    with pytest.raises(PermissionDenied):
        services.record_training(manager, make_user(municipality=other_municipality), **training())
    # A manager has no training of their own to record here.
    with pytest.raises(PermissionDenied):
        services.record_training(manager, **training())


@pytest.mark.parametrize("role", [*OUTSIDERS, Role.ADMIN])
def test_other_roles_record_no_training(make_user, role):
    with pytest.raises(PermissionDenied):
        services.record_training(make_user(role), make_user(), **training())


# The fields are built when the test runs, not when pytest collects it: a date made at
# collection is a day off when the run passes midnight.
@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (lambda: {"completed": True}, "ended_on"),
        (lambda: {"ended_on": days_ago(400)}, "__all__"),
        (lambda: {"started_on": days_ago(-3)}, "started_on"),
        (lambda: {"provider": ""}, "provider"),
    ],
)
def test_training_is_validated(make_user, fields, field):
    with pytest.raises(ValidationError) as error:
        services.record_training(make_user(), **training(**fields()))
    assert field in error.value.message_dict
    assert not TrainingRecord.objects.exists()


# --- intervision ------------------------------------------------------------------------


def intervision(**fields):
    return {
        "held_on": days_ago(7),
        "focus": IntervisionFocus.RESULTS,
        "facilitator_name": "Extern begeleider",
        **fields,
    }


def test_consultant_records_a_session_they_attended(make_user, municipality):
    consultant, colleague = make_user(), make_user()
    session = services.record_intervision(
        consultant, attendees=[consultant, colleague], summary="Casus besproken", **intervision()
    )
    assert session.municipality == municipality
    assert set(session.attendees.all()) == {consultant, colleague}
    assert session.facilitator_display == "Extern begeleider"


def test_consultant_may_record_a_session_they_facilitated(make_user):
    consultant = make_user()
    session = services.record_intervision(
        consultant,
        attendees=[make_user()],
        **intervision(facilitator=consultant, facilitator_name=""),
    )
    assert IntervisionSession.objects.for_user(consultant).get() == session


def test_consultant_records_no_session_without_them(make_user):
    consultant = make_user()
    with pytest.raises(ValidationError):
        services.record_intervision(consultant, attendees=[make_user()], **intervision())


def test_intervision_attendees_come_from_the_own_municipality(make_user, other_municipality):
    with pytest.raises(PermissionDenied):
        services.record_intervision(
            make_user(Role.MANAGER),
            attendees=[make_user(), make_user(municipality=other_municipality)],
            **intervision(),
        )
    with pytest.raises(PermissionDenied):
        services.record_intervision(
            make_user(Role.MANAGER),
            attendees=[make_user()],
            **intervision(
                facilitator=make_user(Role.MANAGER, municipality=other_municipality),
                facilitator_name="",
            ),
        )


@pytest.mark.parametrize(
    "fields",
    [
        lambda: {"facilitator_name": ""},
        lambda: {"facilitator_name": "Extern", "facilitator": "manager"},
        lambda: {"held_on": days_ago(-1)},  # built at run time, as test_training_is_validated
    ],
)
def test_intervision_is_validated(make_user, fields):
    manager = make_user(Role.MANAGER)
    fields = fields()
    if fields.get("facilitator") == "manager":
        fields["facilitator"] = manager
    with pytest.raises(ValidationError):
        services.record_intervision(manager, attendees=[make_user()], **intervision(**fields))
    with pytest.raises(ValidationError):
        services.record_intervision(manager, attendees=[], **intervision())
    assert not IntervisionSession.objects.exists()


@pytest.mark.parametrize("role", [*OUTSIDERS, Role.ADMIN])
def test_other_roles_record_no_intervision(make_user, role):
    with pytest.raises(PermissionDenied):
        services.record_intervision(make_user(role), attendees=[make_user()], **intervision())


# --- competencies -----------------------------------------------------------------------


def test_a_new_municipality_gets_the_eight_basic_competencies(municipality):
    names = list(
        Competency.objects.filter(municipality=municipality).values_list("name", flat=True)
    )
    assert names == [name for name, _description in DEFAULT_COMPETENCIES]
    assert len(names) == 8


def test_ensure_default_competencies_is_idempotent_and_keeps_edits(municipality):
    first = Competency.objects.filter(municipality=municipality).first()
    first.name = "Oplossingsgericht en planmatig werken"
    first.save()
    services.ensure_default_competencies(municipality)
    services.ensure_default_competencies(municipality)
    assert Competency.objects.filter(municipality=municipality).count() == 8
    assert not Competency.objects.filter(name="Oplossingsgericht werken").exists()


def test_ensure_default_competencies_seeds_an_empty_list(municipality):
    Competency.objects.filter(municipality=municipality).delete()
    services.ensure_default_competencies(municipality)
    assert Competency.objects.filter(municipality=municipality).count() == 8


def test_admin_adds_and_edits_competencies(make_user, municipality):
    admin = make_user(Role.ADMIN)
    added = services.save_competency(admin, name="Digitale vaardigheden", description="")
    assert added.municipality == municipality
    assert added.position == 8  # after the eight seeded ones
    services.save_competency(admin, added, name="Digitaal vaardig", active=False)
    added.refresh_from_db()
    assert (added.name, added.active) == ("Digitaal vaardig", False)


def test_competency_names_are_unique_per_municipality(make_user, other_municipality):
    with pytest.raises(ValidationError):
        services.save_competency(make_user(Role.ADMIN), name="Samenwerken")
    # The same name is fine in another municipality.
    services.save_competency(
        make_user(Role.ADMIN, municipality=other_municipality), name="Nieuwe competentie"
    )
    services.save_competency(make_user(Role.ADMIN), name="Nieuwe competentie")


@pytest.mark.parametrize("role", [Role.MANAGER, Role.CONSULTANT, *OUTSIDERS])
def test_only_the_admin_edits_competencies(make_user, role):
    with pytest.raises(PermissionDenied):
        services.save_competency(make_user(role), name="Iets nieuws")


def test_admin_cannot_edit_another_municipalitys_competency(make_user, other_municipality):
    theirs = Competency.objects.filter(municipality=other_municipality).first()
    with pytest.raises(PermissionDenied):
        services.save_competency(make_user(Role.ADMIN), theirs, name="Overgenomen")


def test_manager_assesses_a_consultant(make_user, municipality):
    manager, consultant = make_user(Role.MANAGER), make_user()
    competencies = list(Competency.objects.filter(municipality=municipality))
    assessment = services.assess_competencies(
        manager,
        consultant,
        assessed_on=days_ago(1),
        scores={competency: 1 + i % 5 for i, competency in enumerate(competencies)},
    )
    assert assessment.assessor == manager
    assert assessment.scores.count() == 8
    assert assessment.average == pytest.approx((1 + 2 + 3 + 4 + 5 + 1 + 2 + 3) / 8)


@pytest.mark.parametrize("score", [0, 6])
def test_scores_run_from_one_to_five(make_user, municipality, score):
    competency = Competency.objects.filter(municipality=municipality).first()
    with pytest.raises(ValidationError):
        services.assess_competencies(
            make_user(Role.MANAGER),
            make_user(),
            assessed_on=days_ago(1),
            scores={competency: score},
        )
    assert not CompetencyAssessment.objects.exists()


def test_assessment_scores_only_active_competencies_of_the_municipality(
    make_user, municipality, other_municipality
):
    manager, consultant = make_user(Role.MANAGER), make_user()
    inactive = CompetencyFactory(municipality=municipality, active=False)
    theirs = Competency.objects.filter(municipality=other_municipality).first()
    for competency in (inactive, theirs):
        with pytest.raises(ValidationError):
            services.assess_competencies(
                manager, consultant, assessed_on=days_ago(1), scores={competency: 3}
            )
    with pytest.raises(ValidationError):
        services.assess_competencies(manager, consultant, assessed_on=days_ago(1), scores={})
    assert not CompetencyScore.objects.exists()


def test_only_a_manager_of_the_municipality_assesses(make_user, municipality, other_municipality):
    competency = Competency.objects.filter(municipality=municipality).first()
    for acting, consultant in [
        (make_user(Role.CONSULTANT), make_user()),
        (make_user(Role.ADMIN), make_user()),
        (make_user(Role.MANAGER), make_user(municipality=other_municipality)),
        (make_user(Role.MANAGER), make_user(Role.MANAGER)),
    ]:
        with pytest.raises(PermissionDenied):
            services.assess_competencies(
                acting, consultant, assessed_on=days_ago(1), scores={competency: 3}
            )


def test_manager_sets_the_trainer_status(make_user, other_municipality):
    manager, consultant = make_user(Role.MANAGER), make_user()
    services.update_profile(manager, consultant, is_trainer=False, may_become_trainer=True)
    services.update_profile(manager, consultant, is_trainer=True, may_become_trainer=False)
    assert ConsultantProfile.objects.get(user=consultant).is_trainer
    with pytest.raises(PermissionDenied):
        services.update_profile(consultant, consultant, is_trainer=True, may_become_trainer=True)
    with pytest.raises(PermissionDenied):
        services.update_profile(
            manager,
            make_user(municipality=other_municipality),
            is_trainer=True,
            may_become_trainer=True,
        )


# --- who sees which rows -------------------------------------------------------------------


def test_for_user_scopes_every_model(make_user, municipality, other_municipality):
    me, colleague = make_user(), make_user()
    elsewhere = make_user(municipality=other_municipality)
    rows = {}
    for owner in (me, colleague, elsewhere):
        rows[owner] = {
            ConsultantProfile: ConsultantProfileFactory(user=owner),
            TrainingRecord: TrainingRecordFactory(consultant=owner),
            IntervisionSession: IntervisionSessionFactory(
                municipality=owner.municipality, attendees=[owner]
            ),
            CompetencyAssessment: (
                score := CompetencyScoreFactory(assessment__consultant=owner)
            ).assessment,
            CompetencyScore: score,
        }

    def visible(user, model):
        return set(model.objects.for_user(user))

    for model in rows[me]:
        assert visible(me, model) == {rows[me][model]}, model
        for role in (Role.MANAGER, Role.ADMIN):
            assert visible(make_user(role), model) == {rows[me][model], rows[colleague][model]}
        for role in OUTSIDERS:
            assert visible(make_user(role), model) == set(), model

    # Competencies are reference data: everyone on the staff of the municipality sees them.
    ours = set(Competency.objects.filter(municipality=municipality))
    for role in (Role.CONSULTANT, Role.MANAGER, Role.ADMIN):
        assert visible(make_user(role), Competency) == ours
    assert visible(make_user(Role.WSP), Competency) == set()


def test_an_assessment_factory_stays_in_one_municipality(municipality):
    assessment = CompetencyAssessmentFactory(consultant__municipality=municipality)
    assert assessment.assessor.municipality == municipality


# --- the usual session length -----------------------------------------------------------


def test_the_form_is_prefilled_with_the_duration_logged_most_often(
    make_user, django_assert_num_queries
):
    """Issue 19, found 5: it returned the duration of the last session logged."""
    consultant = make_user(Role.CONSULTANT)
    participant = ParticipantFactory(municipality=consultant.municipality, consultant=consultant)
    assert services.usual_session_minutes(consultant) == 45
    for minutes in (60, 30, 60, 30, 90):
        services.log_coaching_session(
            consultant, participant, held_on=days_ago(3), minutes=minutes
        )
    with django_assert_num_queries(1):
        # 60 and 30 twice each: the one logged last of those wins, not the last (90).
        assert services.usual_session_minutes(consultant) == 30
    services.log_coaching_session(consultant, participant, held_on=days_ago(2), minutes=60)
    assert services.usual_session_minutes(consultant) == 60
    assert services.usual_session_minutes(make_user(Role.CONSULTANT)) == 45
