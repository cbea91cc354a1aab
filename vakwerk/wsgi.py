import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "vakwerk.settings.dev")

application = get_wsgi_application()

from vakwerk import process  # noqa: E402 (needs the settings loaded above)

process.settle()
