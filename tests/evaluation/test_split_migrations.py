"""Issue 19: evaluation split into four apps by migrations that move the models' state
only. Rows written before the split are read after it, and back: the tables and their rows
stay, the content types follow the models (permissions and admin log entries keep their
rows)."""

import datetime

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from evaluation.dashboards.models import EvaluationSession
from evaluation.questionnaires.models import Stakeholder
from evaluation.reports.models import Report, ReportKind
from evaluation.research.models import ResearchProject
from tests.vakwerk.factories import ProgrammeFactory
from vakwerk.models import Phase
from vakwerk.roles import Role

BEFORE_SPLIT = [("evaluation", "0006_disclosure_control")]
MOVED = {
    "dashboards": EvaluationSession,
    "questionnaires": Stakeholder,
    "reports": Report,
    "research": ResearchProject,
}


@pytest.fixture
def manager(make_user):
    return make_user(Role.MANAGER)


def _latest(executor):
    executor.loader.build_graph()
    return executor.loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_rows_survive_the_split_in_both_directions(manager):
    programme = ProgrammeFactory(municipality=manager.municipality)
    rows = {
        "dashboards": EvaluationSession.objects.create(
            programme=programme, phase=Phase.EVALUATION, held_on=datetime.date(2025, 6, 2),
            created_by=manager,
        ),
        "questionnaires": Stakeholder.objects.create(
            programme=programme, name="Hogeschool Windesheim", kind="education",
            role="influence",
        ),
        "reports": Report.objects.create(
            programme=programme, kind=ReportKind.MONITORING, requested_by=manager
        ),
        "research": ResearchProject.objects.create(
            municipality=manager.municipality, name="Effectstudie", institution="Windesheim",
            agreement_reference="VWO-1", valid_until=datetime.date(2027, 12, 31),
        ),
    }  # fmt: skip
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(BEFORE_SPLIT)
        old = executor.loader.project_state(BEFORE_SPLIT).apps
        # Before the split the same rows belong to the one evaluation app.
        for app_label, model in MOVED.items():
            historical = old.get_model("evaluation", model.__name__)
            assert historical.objects.filter(pk=rows[app_label].pk).exists(), app_label
            assert ContentType.objects.filter(
                app_label="evaluation", model=model._meta.model_name
            ).exists()
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(_latest(executor))
    # After it, each in its own app, unchanged, with its content type.
    assert EvaluationSession.objects.get(pk=rows["dashboards"].pk).held_on == datetime.date(
        2025, 6, 2
    )
    assert Stakeholder.objects.get(pk=rows["questionnaires"].pk).name == "Hogeschool Windesheim"
    assert Report.objects.get(pk=rows["reports"].pk).kind == ReportKind.MONITORING
    assert ResearchProject.objects.get(pk=rows["research"].pk).agreement_reference == "VWO-1"
    for app_label, model in MOVED.items():
        assert ContentType.objects.get_for_model(model).app_label == app_label
        assert not ContentType.objects.filter(
            app_label="evaluation", model=model._meta.model_name
        ).exists()
