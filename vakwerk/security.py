"""Who is logging in, and from where: the two keys the password lock-out counts by.

Both must be computed the same way by the login form, the Django admin's login form and
django-axes, or an attacker finds the spelling or the address that starts a fresh count.
"""

import datetime

from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from ipware.ip import get_client_ip

# The longest e-mail address a user can have (User.email): anything longer is no login name.
LOGIN_NAME_MAX_LENGTH = 254


def normalise_login_name(value):
    """`Consultant3@Zwolle.example `, `CONSULTANT3@ZWOLLE.EXAMPLE` and
    `consultant3@zwolle.example` are one account (addresses are stored lower-case and
    matched case-insensitively), so they are one lock-out key too."""
    if not isinstance(value, str):
        return ""
    return "".join(value.split()).lower()[: LOGIN_NAME_MAX_LENGTH + 1]


def axes_username(request, credentials=None):
    """AXES_USERNAME_CALLABLE: the normalised login name, from whichever form posted it."""
    if credentials:
        raw = credentials.get(settings.AXES_USERNAME_FORM_FIELD)
    else:
        data = getattr(request, "data", None) or getattr(request, "POST", {})
        raw = data.get(settings.AXES_USERNAME_FORM_FIELD)
    return normalise_login_name(raw)


def client_ip(request):
    """AXES_CLIENT_IP_CALLABLE: the address of the client itself.

    Behind TRUSTED_PROXY_COUNT reverse proxies, each proxy appends the address it received
    the request from to X-Forwarded-For; the last proxy is REMOTE_ADDR. The client is
    therefore the TRUSTED_PROXY_COUNT-th entry counted from the right: entries further left
    are whatever the client sent and are never believed, so a forged extra hop changes
    nothing. Without proxies X-Forwarded-For is ignored altogether.
    """
    remote_addr = request.META.get("REMOTE_ADDR")
    count = settings.TRUSTED_PROXY_COUNT
    if not count:
        return remote_addr
    # django-ipware counts the proxies listed inside the header (all but the last one,
    # which is REMOTE_ADDR); not strict, so a forged or malformed left part does not make
    # it give up on the header.
    address, _routable = get_client_ip(
        request,
        proxy_order="left-most",
        proxy_count=count - 1,
        request_header_order=["HTTP_X_FORWARDED_FOR"],
        strict=False,
    )
    # Fewer hops than proxies means the request did not come through them all: the nearest
    # address we know is then the one that connected to us.
    return address or remote_addr


def address_is_locked(request):
    """Whether the client's address has failed so often, over all login names together,
    that it may not try any more for the cool-off time. This catches one address trying a
    few passwords on many accounts, which the per-account lock (five failures) never sees;
    its limit is high enough that a town hall behind one address is not locked out by its
    own typing mistakes."""
    since = timezone.now() - datetime.timedelta(hours=settings.AXES_COOLOFF_TIME)
    failures = AccessAttempt.objects.filter(
        ip_address=client_ip(request), attempt_time__gte=since
    ).aggregate(total=Sum("failures_since_start"))["total"]
    return (failures or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT
