"""The net effect against generated data whose true effect is known (generated_register).

The app's estimate and interval must equal a plain-Python computation from the generated
lists, and its 95 % interval must hold the true effect in at least 19 of 20 seeds.
"""

import pytest

from participants.models import OutcomeMeasurement
from participants.register import selectors
from tests.participants.factories import CohortFactory
from tests.participants.register.generated_register import (
    AS_OF,
    ENROLLED_ON,
    GROUP_END,
    PARTICIPANTS,
    SEEDS,
    TRUE_EFFECT,
    generate,
    independent_estimate,
    load,
)
from tests.vakwerk.factories import ProgrammeFactory

pytestmark = pytest.mark.django_db


def assert_estimate(row, expected):
    """The app's row is the independent estimate: counts exactly, rates to 1e-12."""
    assert row.matched == expected["matched"]
    assert row.unmatched_total == expected["unmatched"]
    assert row.participants_rate == pytest.approx(expected["p_t"], abs=1e-12)
    assert row.comparison_rate == pytest.approx(expected["p_c"], abs=1e-12)
    assert row.difference == pytest.approx(expected["difference"], abs=1e-12)
    assert row.low == pytest.approx(expected["low"], abs=1e-12)
    assert row.high == pytest.approx(expected["high"], abs=1e-12)


def test_the_net_effect_equals_an_independent_computation_and_covers_the_truth(capsys):
    covered = 0
    naive_errors, weighted_errors = [], []
    for seed in SEEDS:
        people = generate(seed)
        municipality = load(seed, people)
        expected = independent_estimate(people)
        effects = selectors.net_effects(municipality, AS_OF)
        (row,) = effects.for_follow_up(6)
        assert row.eligible == row.measured == PARTICIPANTS
        assert_estimate(row, expected)
        covered += row.low <= TRUE_EFFECT <= row.high
        # Without the weights the comparison would be the whole pool's rate.
        pool = [p for p in people if p["stratum"] and not p["participant"]]
        naive = row.participants_rate - sum(p["off"] for p in pool) / len(pool)
        naive_errors.append(abs(naive - TRUE_EFFECT))
        weighted_errors.append(abs(row.difference - TRUE_EFFECT))
    with capsys.disabled():
        print(
            f"\nnet effect: the true effect ({TRUE_EFFECT:.2f}) lies within the app's 95 % "
            f"interval in {covered} of {len(SEEDS)} seeds; mean error weighted "
            f"{sum(weighted_errors) / len(SEEDS):.3f}, unweighted "
            f"{sum(naive_errors) / len(SEEDS):.3f}"
        )
    assert covered >= 19
    assert sum(weighted_errors) < sum(naive_errors)


def test_asking_for_fewer_splits_gives_the_same_rows():
    # The dashboard and the savings model ask for the totals and the programmes, the
    # municipality's page leaves the groups out: their rows must be the full computation's.
    people = generate(0)
    municipality = load(0, people)
    other = ProgrammeFactory(municipality=municipality, start_date=ENROLLED_ON)
    second = CohortFactory(programme=other, start_date=ENROLLED_ON, end_date=GROUP_END)
    third = CohortFactory(programme=other, start_date=ENROLLED_ON, end_date=GROUP_END)
    outcomes = list(OutcomeMeasurement.objects.order_by("pk").values_list("pk", flat=True))
    OutcomeMeasurement.objects.filter(pk__in=outcomes[::3]).update(cohort=second)
    OutcomeMeasurement.objects.filter(pk__in=outcomes[1::3]).update(cohort=third)

    def figures(row):
        return (row.eligible, row.measured, row.matched, row.successes, row.unmatched,
                row.comparison_people, row.label)  # fmt: skip

    full = {
        (r.follow_up, r.dimension, r.key): r
        for r in selectors.net_effects(municipality, AS_OF).rows
    }
    assert {dimension for _months, dimension, _key in full} == set(selectors.DIMENSIONS)
    assert len([key for key in full if key[1] == "programme"]) == 2
    for dimensions in (("total", "programme"), selectors.MUNICIPALITY_DIMENSIONS, ("total",)):
        rows = selectors.net_effects(municipality, AS_OF, dimensions=dimensions).rows
        assert {row.dimension for row in rows} == set(dimensions)
        for row in rows:
            expected = full[row.follow_up, row.dimension, row.key]
            assert figures(row) == figures(expected)
            assert row.difference == pytest.approx(expected.difference, abs=1e-12)
            assert row.low == pytest.approx(expected.low, abs=1e-12)
            assert row.high == pytest.approx(expected.high, abs=1e-12)
            assert row.comparison_rate == pytest.approx(expected.comparison_rate, abs=1e-12)


def test_each_split_row_is_the_estimate_of_its_own_participants():
    # A row of a programme, a target group or a benefit type: the independent estimate over
    # that row's participants against the whole register. Two programmes share the strata,
    # so the programme rows and the total count a stratum's participants differently.
    people = generate(1)
    municipality = load(1, people)
    other = ProgrammeFactory(municipality=municipality, start_date=ENROLLED_ON)
    cohort = CohortFactory(programme=other, start_date=ENROLLED_ON, end_date=GROUP_END)
    outcomes = list(OutcomeMeasurement.objects.order_by("pk").values_list("pk", flat=True))
    OutcomeMeasurement.objects.filter(pk__in=outcomes[::3]).update(cohort=cohort)
    participants = [person for person in people if person["participant"]]
    for index, person in enumerate(participants):  # in the order their outcomes were made
        person["programme"] = str(other.pk) if index % 3 == 0 else "first"
    register = [person for person in people if not person["participant"]]

    def own_participants(row):
        if row.dimension == "programme":
            mine = row.key if row.key == str(other.pk) else "first"
            return [person for person in participants if person["programme"] == mine]
        position = 1 if row.dimension == "target_group" else 0  # in the test's stratum
        return [person for person in participants if person["stratum"][position] == row.key]

    checked = set()
    for row in selectors.net_effects(municipality, AS_OF).rows:
        if row.follow_up != 6 or row.dimension in {"total", "cohort"}:
            continue
        own = own_participants(row)
        expected = independent_estimate(register + own)
        assert row.measured == len(own)
        assert_estimate(row, expected)
        checked.add((row.dimension, row.key))
    assert {dimension for dimension, _key in checked} == {
        "programme", "target_group", "benefit_type"
    }  # fmt: skip
    assert len(checked) == 7  # two programmes, three target groups, two benefit types
