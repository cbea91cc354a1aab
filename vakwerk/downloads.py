"""Files handed to the browser as downloads, or shown by it (`inline`: a calendar feed that
a calendar client subscribes to). Django's header builder quotes the name and encodes one
with accents (RFC 6266), which a hand-written header did not."""

from django.http import HttpResponse, StreamingHttpResponse
from django.utils.http import content_disposition_header


def attachment(content, content_type, filename, streaming=False, *, inline=False):
    response_class = StreamingHttpResponse if streaming else HttpResponse
    response = response_class(content, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename)
    return response
