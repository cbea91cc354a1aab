"""Where a redirect may send the user when the request names the target (`next`, Referer)."""

import unicodedata
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve
from django.utils.http import url_has_allowed_host_and_scheme


def safe_target(request, candidate, fallback):
    """`candidate` when it is a page of this site, else `fallback`.

    Same host and scheme only (no open redirect); no control characters anywhere, because a
    newline in a Location header is a server error after the work is already saved; and a
    path that resolves to one of our views, so a tampered value never lands on a 404."""
    if not candidate or any(unicodedata.category(char) == "Cc" for char in candidate):
        return fallback
    if not url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return fallback
    try:
        resolve(urlsplit(candidate).path)
    except (Resolver404, ValueError):
        return fallback
    return candidate
