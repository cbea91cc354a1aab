"""What a long-running server process does once it has loaded the app."""

import gc
import importlib

from django.conf import settings


def settle():
    """Load the views (the URLconf imports them), then take everything allocated so far out
    of the cyclic garbage collector's reach (`gc.freeze`). Django's and the app's modules,
    models and URL patterns live as long as the process; without this, every full
    collection walks them again. The net-effect page allocates some 100,000 small objects
    per request, enough to set off a full collection every few requests: its median went
    from 320 to 230 ms at national size. Called by wsgi.py, in every gunicorn
    worker, and by the bench's in-process page measurements, which stand in for one."""
    importlib.import_module(settings.ROOT_URLCONF)
    gc.freeze()
