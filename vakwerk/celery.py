import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vakwerk.settings.dev")

app = Celery("vakwerk")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# The one place where periodic jobs are scheduled; each app's tasks are listed here so that
# operations can see at a glance what runs when.
app.conf.beat_schedule = {
    "worker-heartbeat": {
        "task": "vakwerk.tasks.record_heartbeat",
        "schedule": 60.0,
    },
    # The database row is the request: whatever the broker lost (Redis down when it was
    # requested) or a dead worker left running is sent again (vakwerk/jobs.py). The
    # evaluation task names stay as they were when one module held them (explicit `name=`).
    "recover-stalled-jobs": {
        "task": "evaluation.tasks.recover_stalled_jobs",
        "schedule": 60.0,
    },
    "delete-stale-participant-imports": {
        "task": "participants.tasks.delete_stale_uploads",
        "schedule": crontab(hour=2, minute=41),
    },
    "clear-expired-sessions": {
        "task": "vakwerk.tasks.clear_expired_sessions",
        "schedule": crontab(hour=3, minute=17),
    },
    "prune-submitted-forms": {
        "task": "vakwerk.tasks.prune_submitted_forms",
        "schedule": crontab(hour=3, minute=29),
    },
    # The net effect's stored comparison pools, after changes no import announced.
    "refresh-comparison-pools": {
        "task": "participants.register.tasks.refresh_all_comparison_pools",
        "schedule": crontab(minute="*/15"),
    },
    "anonymise-expired-register-people": {
        "task": "participants.register.tasks.anonymise_expired_register_people",
        "schedule": crontab(hour=3, minute=53),
    },
    "anonymise-expired-participants": {
        "task": "participants.tasks.anonymise_expired_participants",
        "schedule": crontab(hour=3, minute=47),
    },
    "delete-expired-research-exports": {
        "task": "evaluation.tasks.delete_expired_research_exports",
        "schedule": crontab(hour=4, minute=13),
    },
    # SRG files hold BSNs: each is deleted once CBS can no longer take its month (or a
    # newer version replaced it); the row stays as the record.
    "delete-expired-srg-files": {
        "task": "funding.provisions.tasks.delete_expired_srg_files",
        "schedule": crontab(hour=4, minute=19),
    },
    # Just after midnight, so that nothing past yesterday's valid-until date is matched.
    "expire-opportunities": {
        "task": "employers.tasks.expire_opportunities",
        "schedule": crontab(hour=0, minute=17),
    },
    # Monday morning, before the working day: follow-ups, appointments and silent
    # participants of the week, per consultant (consultants/reminders.py).
    "weekly-consultant-reminders": {
        "task": "consultants.tasks.send_weekly_reminders",
        "schedule": crontab(day_of_week="mon", hour=7, minute=0),
    },
    "monthly-reports": {
        "task": "evaluation.tasks.make_monthly_reports",
        "schedule": crontab(day_of_month=1, hour=5, minute=7),
    },
    # Last month's SRG file for CBS, built on the 2nd so that registrations made on the
    # last day of the month are in; the admin checks the errors and downloads it.
    "monthly-srg": {
        "task": "funding.provisions.tasks.build_monthly_srg",
        "schedule": crontab(day_of_month=2, hour=5, minute=23),
    },
}
