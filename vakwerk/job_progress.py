"""What the status endpoints of background jobs answer: the job's state and the words of its
live region, rendered from the same partial as the page, so that the page can follow a job
without reloading itself. Nothing personal goes in: no requester, no file contents."""

from django.http import JsonResponse
from django.template.loader import render_to_string

from .models import JobStatus

FINISHED = (JobStatus.DONE, JobStatus.FAILED)


def in_progress(job):
    return job.status in (JobStatus.QUEUED, JobStatus.RUNNING)


def status_response(request, job, download_url="", download_label=""):
    html = render_to_string(
        "vakwerk/job_progress.html",
        {"job": job, "download_url": download_url, "download_label": download_label},
        request=request,
    )
    response = JsonResponse(
        {
            "status": job.status,
            "finished": job.status in FINISHED,
            "progress": getattr(job, "progress", None),
            "html": html,
        }
    )
    response["Cache-Control"] = "no-store"
    return response
