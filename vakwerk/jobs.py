"""The life of a background job that makes a file (a report, a research export, an SRG
file) or imports one (the benefit register). The database row is the request; the message
on the broker is only a nudge to a worker. Each kind's task calls its service, and the
service runs the job through `run`: claim, heartbeat, failure on the row.

- A request is stored as `queued` and sent to the broker when it is committed. A send that
  fails (Redis down) leaves the row queued with `sent_at` before `queued_at`.
- A worker claims the row (queued → running, under a row lock) with the next attempt
  number; a second delivery of the same message finds it running or done and does nothing.
- While it runs, a thread beside the job writes `heartbeat_at`; a worker that dies whole
  (SIGKILL, power, OOM) stops writing it.
- `recover_stalled_jobs`, run by Celery beat every minute, sends again whatever is queued
  and not started for a while, and puts back in the queue whatever is running without a
  recent heartbeat (or past its task's hard time limit); after MAX_ATTEMPTS starts it
  marks the job failed instead, with a reason the user can read.
- Only the attempt that still owns the row stores the file (written under a temporary name
  and renamed when complete) and marks it done, so a job that runs twice still leaves one
  file and one audit entry.
"""

import datetime
import logging
import os
import threading
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from .models import FailureReason, JobStatus

logger = logging.getLogger(__name__)

# The task that makes each kind of job (a model with BackgroundJob's fields), registered by
# the app that owns it from its AppConfig.ready(); its hard time limit also bounds how
# long a row may stay running.
_TASKS = {}
# Re-sends back off (2, 4, 8 … minutes) up to this, so that a queue left without a worker
# for a day does not fill with copies.
MAX_RESEND_INTERVAL = datetime.timedelta(minutes=30)


class StorageError(OSError):
    """The finished file could not be written (disk full, read-only, no permission)."""


def resend_after():
    return datetime.timedelta(seconds=settings.VAKWERK_JOB_RESEND_SECONDS)


def heartbeat_every():
    return settings.VAKWERK_JOB_HEARTBEAT_SECONDS


def stale_after():
    return datetime.timedelta(seconds=settings.VAKWERK_JOB_STALE_SECONDS)


def register(model, task):
    """Makes `model`'s rows background jobs run by the Celery `task` (which takes the
    row's pk). Called once per kind, from the owning app's AppConfig.ready()."""
    _TASKS[model] = task


def kinds():
    """The models whose rows are background jobs."""
    return list(_TASKS)


def task_for(model):
    return _TASKS[model]


def time_limit(model):
    task = task_for(model)
    return datetime.timedelta(seconds=task.time_limit or task.app.conf.task_time_limit)


def resend_interval(resends):
    return min(resend_after() * 2 ** min(resends, 10), MAX_RESEND_INTERVAL)


# Sending


def send(model, pk):
    """Hands the job to the broker; True when the broker took it. A broker that is down is
    logged, not raised: the row stays queued and the recovery job sends it again."""
    task = task_for(model)
    try:
        task.delay(pk)
    except Exception:
        if task.app.conf.task_always_eager:
            # In-process (no broker): the job ran here and has recorded its failure.
            logger.exception("%s %s failed in-process", model._meta.model_name, pk)
        else:
            logger.warning(
                "%s %s could not be sent to the queue; it stays queued and is sent again",
                model._meta.model_name, pk, exc_info=True,
            )  # fmt: skip
        return False
    model.objects.filter(pk=pk).update(sent_at=timezone.now())
    return True


def send_on_commit(model, pk):
    # robust: whatever happens while sending must not undo the request that was committed.
    transaction.on_commit(lambda: send(model, pk), robust=True)


def requeue(model, pk, now=None):
    """Back to the queue as a fresh request (a retry): the attempts start again."""
    now = now or timezone.now()
    model.objects.filter(pk=pk).update(
        status=JobStatus.QUEUED, queued_at=now, sent_at=None, resends=0, attempts=0,
        started_at=None, heartbeat_at=None, finished_at=None, failure="", error="",
    )  # fmt: skip


# Running


def claim(model, pk, now=None):
    """Queued → running for this worker; returns the attempt number, or None when the row
    is not queued (done, failed, or another worker has it)."""
    now = now or timezone.now()
    with transaction.atomic():
        job = model.objects.select_for_update().filter(pk=pk, status=JobStatus.QUEUED).first()
        if job is None:
            return None
        model.objects.filter(pk=pk).update(
            status=JobStatus.RUNNING, attempts=F("attempts") + 1, started_at=now,
            heartbeat_at=now, finished_at=None, failure="", error="",
        )  # fmt: skip
        return job.attempts + 1


def owned(model, pk, attempt):
    """The rows of this job while this attempt still owns it (lock them with
    select_for_update inside a transaction before storing anything)."""
    return model.objects.filter(pk=pk, status=JobStatus.RUNNING, attempts=attempt)


@contextmanager
def heartbeat(model, pk, attempt):
    """Writes heartbeat_at every few seconds while the block runs, from a thread of its
    own: a long WeasyPrint call or export query gives no other sign of life."""
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(heartbeat_every()):
                owned(model, pk, attempt).update(heartbeat_at=timezone.now())
        except Exception:
            logger.warning("heartbeat of %s %s stopped", model._meta.model_name, pk, exc_info=True)
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def reason_for(error):
    if isinstance(error, SoftTimeLimitExceeded | TimeLimitExceeded):
        return FailureReason.TIME_LIMIT
    if isinstance(error, StorageError):
        return FailureReason.STORAGE
    return FailureReason.ERROR


def fail(model, pk, attempt, error, reason=None):
    """Records a failure of this attempt: a reason in words for the user, the kind of
    error for the admin; the caller logs the details."""
    owned(model, pk, attempt).update(
        status=JobStatus.FAILED,
        failure=reason or reason_for(error),
        error=type(error).__name__,
        finished_at=timezone.now(),
    )


def run(model, pk, work, reason=None, reraise=True):
    """One run of a job's task, the same for every kind: claims the row, runs
    `work(attempt)` with a heartbeat beside it and returns what that returns. A job that is
    not queued (done, failed, or another worker has it) is left alone and returned as it
    is. An exception is logged with its traceback and marks this attempt failed (with
    `reason(error)`, else `reason_for(error)`, in words for the user and the kind of error
    for the admin); then it is raised on (Celery counts the task as failed), or with
    `reraise=False` the failed row is returned. No retry here: a worker that died is
    retried by `recover_stalled_jobs` up to VAKWERK_JOB_MAX_ATTEMPTS starts; an exception
    is final until a user asks again (`requeue`)."""
    name = model._meta.model_name
    attempt = claim(model, pk)
    if attempt is None:
        logger.info("%s %s is not queued: not run again", name, pk)
        return model.objects.get(pk=pk)
    try:
        with heartbeat(model, pk, attempt):
            return work(attempt)
    except Exception as error:
        logger.exception("%s %s (attempt %s) failed", name, pk, attempt)
        fail(model, pk, attempt, error, reason(error) if reason else None)
        if reraise:
            raise
    return model.objects.get(pk=pk)


def store_atomically(storage, name, content):
    """Saves content under `name` in a file-system storage without ever leaving a partial
    file under that name: it is written to a temporary name beside it and renamed when
    complete (a rename within one folder is atomic). Replaces what was there."""
    temp = f"{name}.{uuid.uuid4().hex}.part"
    try:
        temp = storage.save(temp, content)
        os.replace(storage.path(temp), storage.path(name))
    except OSError as error:
        storage.delete(temp)
        raise StorageError(error.errno, "the file of a job could not be stored") from error
    except BaseException:
        storage.delete(temp)
        raise
    return name


# Recovery


@dataclass
class Recovery:
    resent: list = field(default_factory=list)
    failed: list = field(default_factory=list)


def _give_up_reason(job, now, limit):
    if job.started_at and job.started_at < now - limit:
        return FailureReason.TIME_LIMIT
    return FailureReason.WORKER_LOST


def recover_stalled_jobs(now=None):
    """Sends again every job the queue or a worker lost. Safe to run at any time and from
    several places at once: each change is a conditional UPDATE on what was read."""
    now = now or timezone.now()
    result = Recovery()
    for model in kinds():
        name = model._meta.model_name
        queued = model.objects.filter(status=JobStatus.QUEUED)
        waiting = queued.filter(queued_at__lte=now - resend_after())
        for job in waiting.only("pk", "queued_at", "resends"):
            if now - job.queued_at < resend_interval(job.resends):
                continue
            # Conditional on what was read: of two recoveries at once, one sends it.
            row = queued.filter(pk=job.pk, queued_at=job.queued_at)
            if row.update(queued_at=now, resends=F("resends") + 1):
                logger.info("%s %s was not started; sent again", name, job.pk)
                send(model, job.pk)
                result.resent.append((name, job.pk))

        limit = time_limit(model)
        gone = model.objects.filter(status=JobStatus.RUNNING).filter(
            Q(heartbeat_at__isnull=True)
            | Q(heartbeat_at__lt=now - stale_after())
            | Q(started_at__lt=now - limit)
        )
        for job in gone.only("pk", "attempts", "started_at"):
            row = model.objects.filter(pk=job.pk, status=JobStatus.RUNNING, attempts=job.attempts)
            if job.attempts >= settings.VAKWERK_JOB_MAX_ATTEMPTS:
                reason = _give_up_reason(job, now, limit)
                if row.update(
                    status=JobStatus.FAILED, failure=reason, error="WorkerLost", finished_at=now
                ):
                    logger.warning("%s %s stopped %s times; given up", name, job.pk, job.attempts)
                    result.failed.append((name, job.pk))
                continue
            if row.update(status=JobStatus.QUEUED, queued_at=now, resends=F("resends") + 1):
                logger.warning("%s %s lost its worker (attempt %s); sent again", name, job.pk,
                               job.attempts)  # fmt: skip
                send(model, job.pk)
                result.resent.append((name, job.pk))
    return result
