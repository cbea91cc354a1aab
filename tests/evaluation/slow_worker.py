"""The Celery app for a worker that a test starts as a process of its own (and may kill):
the real VAKwerk app, with WeasyPrint made slow by SLOW_PDF_SECONDS so that the worker
can be killed while a report is being made. Nothing of the project itself is replaced.

    SLOW_PDF_SECONDS=30 python -m celery -A tests.evaluation.slow_worker worker --pool solo
"""

import os
import time

import weasyprint

from vakwerk.celery import app

__all__ = ["app"]

_write_pdf = weasyprint.HTML.write_pdf


def _slow_write_pdf(self, *args, **kwargs):
    time.sleep(float(os.environ.get("SLOW_PDF_SECONDS", "0")))
    return _write_pdf(self, *args, **kwargs)


weasyprint.HTML.write_pdf = _slow_write_pdf
