import os
import time

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.http import urlencode

from . import two_factor


class LanguageMiddleware:
    """Dutch unless the user chose otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a consultant
    with an English browser would get an English UI they never asked for.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.languages = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.languages:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class NoStoreMiddleware:
    """No page, PDF or export of ours may be kept by the browser or a shared cache: they
    show participants, their BSN (the edit form), intakes and case notes. One rule for
    every response that a view makes (static files are served before this runs) instead
    of a decorator each view could forget; directives a view set itself are kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        patch_cache_control(response, no_store=True, private=True)
        return response


class NodeNameMiddleware:
    """With more than one app node behind a load balancer, says which node answered
    (X-VAKwerk-Node), so that an operator, the bench and the two-node test can see the
    balancing. Off unless VAKWERK_NODE_NAME is set: one node has nothing to tell."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.name = os.environ.get("VAKWERK_NODE_NAME", "")

    def __call__(self, request):
        response = self.get_response(request)
        if self.name:
            response.headers["X-VAKwerk-Node"] = self.name
        return response


# Pages a user can reach before the second factor is done.
TWO_FACTOR_EXEMPT = frozenset(
    # "answer" is the public questionnaire page: it needs no account at all.
    {"two_factor_setup", "two_factor_verify", "logout", "set_language", "healthz", "answer"}
)


class TwoFactorMiddleware:
    """Sends a user who has a second factor to its check, and a user whose municipality
    requires one but who has none (or whose admin reset theirs) to the enrolment page; a
    session signed in through an identity provider that did the second factor goes on
    (vakwerk/two_factor.py)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        user = request.user
        if not user.is_authenticated or request.user.is_verified():
            return None
        match = request.resolver_match
        if match is None or match.url_name in TWO_FACTOR_EXEMPT:
            return None
        if two_factor.second_factor_done_elsewhere(user, two_factor.session_backend(request)):
            return None
        state = two_factor.authenticator_state(user)
        if state == two_factor.CONFIRMED:
            return redirect_with_next("two_factor_verify", request)
        if state == two_factor.ENROL_AGAIN or user.two_factor_required:
            return redirect_with_next("two_factor_setup", request)
        return None


def redirect_with_next(url_name, request):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")


class SessionTimeoutMiddleware:
    """Logs a user out after the inactivity period their municipality set, and platform
    operators after the shorter one of the Django admin. Pushing the expiry forward means
    saving the session, so it is done at most once a minute."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        due = time.time() - request.session.get(SESSION_TOUCHED, 0) >= TOUCH_INTERVAL
        if due and user is not None and user.is_authenticated:
            start_inactivity_timer(request, user)
        return self.get_response(request)


SESSION_TOUCHED = "_vakwerk_touched"
TOUCH_INTERVAL = 60


def inactivity_limit(user):
    """Seconds of inactivity after which the session ends, or None for the default."""
    limits = []
    if user.municipality_id:
        limits.append(user.municipality.session_timeout_minutes * 60)
    if user.is_platform_operator:
        # The Django admin reaches every municipality's data: the shortest time-out.
        limits.append(settings.PLATFORM_SESSION_TIMEOUT_MINUTES * 60)
    return min(limits) if limits else None


def start_inactivity_timer(request, user):
    limit = inactivity_limit(user)
    if limit:
        request.session.set_expiry(limit)
        request.session[SESSION_TOUCHED] = int(time.time())
