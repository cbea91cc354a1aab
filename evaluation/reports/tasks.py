from celery import shared_task

from . import services

# The names are those the tasks had in evaluation/tasks.py, so that messages already on the
# queue (and the beat schedule in vakwerk/celery.py) still reach them.


# A monitoring PDF of a large programme takes well under a minute; a report still busy
# after ten is stuck. The hard limit also tells vakwerk.jobs when a running report has
# certainly lost its worker.
@shared_task(
    name="evaluation.tasks.build_report",
    soft_time_limit=10 * 60,
    time_limit=11 * 60,
    ignore_result=True,
)
def build_report(report_id):
    return services.build_report(report_id).status


@shared_task(name="evaluation.tasks.make_monthly_reports")
def make_monthly_reports():
    run = services.make_monthly_reports()
    # A JSON-serialisable summary for the result backend.
    return {
        "period_end": run.period_end.isoformat(),
        "created": run.created,
        "existing": run.existing,
    }
