from dataclasses import asdict

from celery import shared_task

from . import reminders


@shared_task(name="consultants.tasks.send_weekly_reminders")
def send_weekly_reminders():
    return asdict(reminders.send_weekly_reminders())
