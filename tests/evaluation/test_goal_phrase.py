"""Issue 17, build 5: a percentage goal's actual reads as a phrase ("48% — 34 van 71"), with
numbers in the reader's language, instead of "48% (34/71 · …)"."""

import re
from decimal import Decimal

import pytest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from evaluation.dashboards.selectors import GoalRow, Rate
from tests.evaluation.test_dashboard import pinned_clock, programme  # noqa: F401
from vakwerk.models import GoalMetric
from vakwerk.roles import Role


def _actual(goal, language):
    with translation.override(language):
        html = render_to_string("evaluation/goal_actual.html", {"goal": goal})
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _goal(actual, rate):
    return GoalRow(
        metric=GoalMetric.IN_WORK_3M, label="", target=Decimal(50), actual=actual,
        is_percent=True, rate=rate,
    )  # fmt: skip


def test_percentage_goal_reads_as_a_phrase_in_dutch_and_english():
    goal = _goal(Decimal(48), Rate(successes=34, measured=71, eligible=72))
    assert _actual(goal, "nl") == "48% — 34 van 71 gemeten 71 van 72; 1 nog niet gemeten"
    assert _actual(goal, "en") == "48% — 34 of 71 measured 71 of 72; 1 not yet measured"
    assert "/" not in _actual(goal, "nl")


def test_numbers_in_the_phrase_are_localised():
    goal = _goal(Decimal(62), Rate(successes=1234, measured=2000, eligible=2000))
    assert _actual(goal, "nl").startswith("62% — 1.234 van 2.000")
    assert _actual(goal, "en").startswith("62% — 1,234 of 2,000")
    assert "nog niet gemeten" not in _actual(goal, "nl")


def test_a_goal_without_a_rate_or_measurement_keeps_its_short_form():
    count = GoalRow(metric=GoalMetric.PARTICIPANTS, label="", target=Decimal(80),
                    actual=Decimal(1072), is_percent=False)  # fmt: skip
    assert _actual(count, "nl") == "1.072"
    assert _actual(_goal(None, Rate()), "nl") == "–"


@pytest.mark.django_db
def test_programme_page_and_dashboard_show_the_phrase(client, make_user, programme):  # noqa: F811
    # The dashboard tests' programme: 2 of 4 in work at 3 months, 4 of 6 off benefit at 6.
    client.force_login(make_user(Role.MANAGER))
    for url in (
        reverse("programme_detail", args=[programme.pk]),
        reverse("evaluation:dashboard") + f"?programme={programme.pk}",
    ):
        page = client.get(url).content.decode()
        row = re.search(r'data-testid="goal-in_work_3m">(.*?)</tr>', page, re.S).group(1)
        text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row))
        assert "50% — 2 van 4" in text, url
        assert "2/4" not in text, url  # before: "50% (2/4 · gemeten 4 van 4)"
