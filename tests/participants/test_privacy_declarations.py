"""Privacy by construction: every model of the project that reaches a participant says,
in its app's personal_data.py, what it holds about them, what the inzage export shows,
what anonymisation does with each field and what the timeline shows."""

import datetime

import pytest
from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils.module_loading import module_has_submodule

from participants import selectors
from participants.models import Participant
from tests.participants.factories import CohortFactory, ParticipantFactory
from tests.participants.personal_records import fill_everything
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk import privacy_declarations
from vakwerk.privacy_declarations import Holds, NotPersonal
from vakwerk.roles import Role

SOFT_REFERENCE = "participant_id"
FREE_TEXT = (models.CharField, models.TextField, models.JSONField)


def reaching_models():
    """Every model that reaches a participant, with how: found by walking the relations
    back from Participant, hidden ones (related_name="+") and many-to-many included, and
    again from each model found (Answer → Response → Invitation → participant), plus
    models that keep the participant's number without a relation (the audit trail)."""
    how = {Participant: "is the participant"}
    frontier = [Participant]
    for model in apps.get_models(include_auto_created=True):
        for field in model._meta.concrete_fields:
            if field.name == SOFT_REFERENCE and not field.is_relation and model not in how:
                how[model] = f"{SOFT_REFERENCE} (a number, no relation)"
                frontier.append(model)
    while frontier:
        target = frontier.pop()
        for relation in target._meta.get_fields(include_hidden=True):
            if not (relation.is_relation and relation.auto_created and not relation.concrete):
                continue  # only the reverse side: who points at `target`
            sources = [relation.related_model]
            through = getattr(relation, "through", None)
            if through is not None:
                sources.append(through)
            for source in sources:
                if source not in how:
                    how[source] = f"{relation.field.name} → {target._meta.label}"
                    frontier.append(source)
    return how


def undeclared(reached, declared):
    return sorted(
        f"{model._meta.label} ({why})" for model, why in reached.items() if model not in declared
    )


def test_the_walk_finds_hidden_and_indirect_relations():
    """The walk itself must see what the old check (Participant._meta.related_objects)
    missed: a related_name="+" relation, and models two or three steps away."""
    reached = {model._meta.label for model in reaching_models()}
    assert {
        "questionnaires.Invitation",  # related_name="+"
        "questionnaires.Response",  # two steps
        "questionnaires.Answer",  # three steps
        "employers.Placement",  # through the match
        "funding.Commitment",
        "funding.LedgerEntry",  # through the commitment
        "vakwerk.AuditEntry",  # a number, no relation
        "vakwerk.FieldChange",
    } <= reached


def test_every_model_that_reaches_a_participant_is_declared():
    missing = undeclared(reaching_models(), privacy_declarations.declared_models())
    assert not missing, (
        "Declare what these models hold about a participant in their app's "
        f"personal_data.py (Holds, or NotPersonal with the reason): {missing}"
    )


def test_the_check_fails_for_an_app_that_declares_nothing():
    # Without the questionnaires' declarations their three models would be reported.
    declared = {
        model: item
        for model, item in privacy_declarations.declared_models().items()
        if model._meta.app_label != "questionnaires"
    }
    assert undeclared(reaching_models(), declared) == [
        "questionnaires.Answer (response → questionnaires.Response)",
        "questionnaires.Invitation (participant → participants.Participant)",
        "questionnaires.Response (invitation → questionnaires.Invitation)",
    ]


def test_every_declaration_is_of_a_model_that_reaches_a_participant():
    reached = reaching_models()
    stale = [
        item.model
        for item in privacy_declarations.declarations()
        if item.get_model() not in reached
    ]
    assert not stale
    assert all(
        item.why for item in privacy_declarations.declarations() if isinstance(item, NotPersonal)
    )
    sections = [item.section for item in privacy_declarations.holdings()]
    assert len(sections) == len(set(sections))


def _ends_at_the_participant(model, path):
    if not path:
        return model is Participant
    *steps, last = path.split("__")
    for step in steps:
        model = model._meta.get_field(step).related_model
    field = model._meta.get_field(last)
    return field.related_model is Participant or field.name == SOFT_REFERENCE


@pytest.mark.parametrize("item", privacy_declarations.holdings(), ids=lambda item: item.model)
def test_every_path_leads_to_the_participant(item):
    assert _ends_at_the_participant(item.get_model(), item.path)


@pytest.mark.parametrize("item", privacy_declarations.holdings(), ids=lambda item: item.model)
def test_anonymisation_says_what_happens_to_every_field(item):
    """A field added later to a declared model fails here until someone decides whether
    anonymisation blanks it or why it may stay."""
    if item.delete:
        assert not item.sorted_fields, "rows that are deleted whole need no field list"
        return
    fields = {field.name for field in item.get_model()._meta.concrete_fields}
    assert item.sorted_fields == fields, (
        f"unsorted: {sorted(fields - item.sorted_fields)}, "
        f"unknown: {sorted(item.sorted_fields - fields)}"
    )
    assert not set(item.blank) & set(item.keep)
    assert not set(item.blank) & set(item.kept_text)
    assert not set(item.keep) & set(item.kept_text)
    assert all(str(why) for why in item.kept_text.values())


@pytest.mark.parametrize("item", privacy_declarations.holdings(), ids=lambda item: item.model)
def test_no_free_text_is_kept_without_a_reason(item):
    """Text fields (and JSON) without fixed choices may hold anything anyone typed: they
    are blanked, or kept with a reason why they are not about the person."""
    model = item.get_model()
    kept_text = [
        name
        for name in item.keep
        if isinstance(model._meta.get_field(name), FREE_TEXT)
        and not model._meta.get_field(name).choices
    ]
    assert not kept_text, f"{model._meta.label}: free text kept without a reason: {kept_text}"


@pytest.mark.django_db
def test_the_timeline_shows_what_the_declarations_say(municipality, make_user):
    consultant = make_user(Role.CONSULTANT)
    manager = make_user(Role.MANAGER)
    programme = ProgrammeFactory(
        municipality=municipality,
        start_date=datetime.date(2025, 9, 1),
        end_date=datetime.date(2027, 6, 30),
    )
    participant = ParticipantFactory(municipality=municipality, consultant=consultant)
    fill_everything(participant, consultant, manager, CohortFactory(programme=programme), "T")
    shown = {entry.kind for entry in selectors.timeline(consultant, participant)}
    declared = {item.timeline for item in privacy_declarations.holdings() if item.timeline}
    assert shown == declared


def test_declarations_are_holds_or_not_personal():
    assert all(
        isinstance(item, Holds | NotPersonal) for item in privacy_declarations.declarations()
    )


def test_the_core_collects_every_apps_declarations_with_its_own_last():
    """The core names no domain app: it finds each installed app's personal_data module.
    The export starts with the participant's own record and ends with the core's history."""
    sections = [item.model.split(".")[0] for item in privacy_declarations.holdings()]
    with_declarations = {
        config.label
        for config in apps.get_app_configs()
        if module_has_submodule(config.module, privacy_declarations.MODULE)
    }
    assert set(sections) == with_declarations
    assert {"participants", "consultants", "employers", "funding", "questionnaires"} <= set(
        sections
    )
    assert privacy_declarations.holdings()[0].model == "participants.Participant"
    # The core's sections (the audit trail's) after every domain app's.
    assert sections[-1] == "vakwerk"
    assert sections == sorted(sections, key=lambda label: label == "vakwerk")


def test_the_readme_says_what_inzage_and_anonymisation_cover():
    readme = (settings.BASE_DIR / "README.md").read_text(encoding="utf-8")
    expected = privacy_declarations.readme_section()
    start = readme.find(privacy_declarations.README_START)
    end = readme.find(privacy_declarations.README_END) + len(privacy_declarations.README_END)
    assert readme[start:end] == expected, (
        "README.md's table of what inzage and anonymisation cover is out of date; replace "
        f"the part between the personal-data markers with:\n\n{expected}"
    )
