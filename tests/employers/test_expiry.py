"""Opportunities past their valid-until date expire through the daily beat task, run here
by a real Celery worker on the test Redis."""

import datetime

import pytest
from django.conf import settings
from django.utils import timezone

from employers import tasks
from employers.models import OpportunityStatus
from tests.employers.factories import OpportunityFactory
from vakwerk.celery import app


def test_the_task_is_scheduled_daily_in_the_early_morning():
    entry = next(
        e for e in app.conf.beat_schedule.values() if e["task"] == tasks.expire_opportunities.name
    )
    assert entry["task"] == "employers.tasks.expire_opportunities"
    schedule = entry["schedule"]
    assert schedule.hour == {0} and len(schedule.minute) == 1
    assert schedule.day_of_week == set(range(7)) and schedule.day_of_month == set(range(1, 32))


@pytest.mark.django_db(transaction=True)
def test_a_real_worker_expires_what_is_past_its_valid_until_date(real_worker, evidence):
    today = timezone.localdate()
    yesterday, tomorrow = today - datetime.timedelta(days=1), today + datetime.timedelta(days=1)
    past = OpportunityFactory(status=OpportunityStatus.CONFIRMED, valid_until=yesterday)
    past_submitted = OpportunityFactory(status=OpportunityStatus.SUBMITTED, valid_until=yesterday)
    future = OpportunityFactory(status=OpportunityStatus.CONFIRMED, valid_until=tomorrow)
    last_day = OpportunityFactory(status=OpportunityStatus.CONFIRMED, valid_until=today)
    undated = OpportunityFactory(status=OpportunityStatus.CONFIRMED, valid_until=None)
    filled = OpportunityFactory(status=OpportunityStatus.FILLED, valid_until=yesterday)

    result = tasks.expire_opportunities.delay()
    assert result.get(timeout=30) == 2

    for opportunity in (past, past_submitted, future, last_day, undated, filled):
        opportunity.refresh_from_db()
    assert past.status == past_submitted.status == OpportunityStatus.EXPIRED
    assert future.status == last_day.status == undated.status == OpportunityStatus.CONFIRMED
    assert filled.status == OpportunityStatus.FILLED
    # Safe to run twice: the second run finds nothing left to expire.
    assert tasks.expire_opportunities.delay().get(timeout=30) == 0
    evidence.append(
        f"celery: expire_opportunities {result.id} ran on worker {real_worker.hostname} "
        f"via {settings.CELERY_BROKER_URL}"
    )
