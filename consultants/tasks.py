from dataclasses import asdict

from celery import shared_task

from . import reminders


# One mail per consultant through one SMTP connection: a municipality-wide platform with a
# thousand consultants needs more than the default five minutes. Each consultant's week is
# claimed before sending, so a run cut short is finished by the next one.
@shared_task(
    name="consultants.tasks.send_weekly_reminders", soft_time_limit=30 * 60, time_limit=31 * 60
)
def send_weekly_reminders():
    return asdict(reminders.send_weekly_reminders())
