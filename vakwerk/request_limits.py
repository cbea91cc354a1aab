"""Refuses a request body larger than VAKWERK_MAX_REQUEST_SIZE before anything reads it.

nginx refuses such bodies first in production (client_max_body_size); this is the same
limit for the app itself (runserver, a gunicorn reached directly), checked on the declared
Content-Length so that neither Django's upload handlers nor a view spend a byte on it."""

from django.conf import settings
from django.http import HttpResponse
from django.template.loader import render_to_string


class RequestSizeLimitMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        declared = request.META.get("CONTENT_LENGTH") or ""
        limit = settings.VAKWERK_MAX_REQUEST_SIZE
        if declared.isascii() and declared.isdigit() and int(declared) > limit:
            body = render_to_string("413.html", {"limit_mb": limit // (1024 * 1024)})
            response = HttpResponse(body, status=413)
            # The unread body stays on the connection; it must not be taken for the next
            # request.
            response["Connection"] = "close"
            return response
        return self.get_response(request)
