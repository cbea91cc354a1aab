from celery import shared_task

from . import services

# The names are those the tasks had in evaluation/tasks.py, so that messages already on the
# queue (and the beat schedule in vakwerk/celery.py) still reach them.


# Research exports can be large: they get more time than the default limits (5/6 min),
# still well within the broker's visibility timeout (2 h), after which Redis would hand
# the task to a second worker.
# ignore_result: the row holds the outcome. Without it every send first subscribes to the
# result store (the same Redis), which takes 20 s to give up when Redis is down.
@shared_task(
    name="evaluation.tasks.run_research_export",
    soft_time_limit=45 * 60,
    time_limit=50 * 60,
    ignore_result=True,
)
def run_research_export(export_id):
    return services.run_export(export_id).status


@shared_task(name="evaluation.tasks.delete_expired_research_exports")
def delete_expired_research_exports():
    # Export files hold pseudonymised personal data; none outlives its agreed period.
    return services.delete_expired_exports()
