from celery import shared_task

from . import jobs, reports, research_services


# Research exports can be large: they get more time than the default limits (5/6 min),
# still well within the broker's visibility timeout (2 h), after which Redis would hand
# the task to a second worker.
# ignore_result: the row holds the outcome. Without it every send first subscribes to the
# result store (the same Redis), which takes 20 s to give up when Redis is down.
@shared_task(soft_time_limit=45 * 60, time_limit=50 * 60, ignore_result=True)
def run_research_export(export_id):
    return research_services.run_export(export_id).status


@shared_task
def delete_expired_research_exports():
    # Export files hold pseudonymised personal data; none outlives its agreed period.
    return research_services.delete_expired_exports()


# Reports (monitoring and savings PDFs)


# A monitoring PDF of a large programme takes well under a minute; a report still busy
# after ten is stuck. The hard limit also tells evaluation.jobs when a running report has
# certainly lost its worker.
@shared_task(soft_time_limit=10 * 60, time_limit=11 * 60, ignore_result=True)
def build_report(report_id):
    return reports.build_report(report_id).status


@shared_task(soft_time_limit=60, time_limit=90, ignore_result=True)
def recover_stalled_jobs():
    # Sends again the reports and exports the broker or a dead worker lost.
    run = jobs.recover_stalled_jobs()
    return {"resent": run.resent, "failed": run.failed}


@shared_task
def make_monthly_reports():
    run = reports.make_monthly_reports()
    # A JSON-serialisable summary for the result backend.
    return {
        "period_end": run.period_end.isoformat(),
        "created": run.created,
        "existing": run.existing,
    }
