"""Password sign-in: Django's ModelBackend, with the user's municipality and the state of
their authenticator read in the same query as the user.

Every page reads `request.user.municipality` (the header, the scoping of its querysets)
and the TwoFactorMiddleware asks for the authenticator (`two_factor.authenticator_state`);
Django's backend loads the user alone: two queries more on every request. The query is
compiled once per process (`prepared`): on every request, building and compiling it cost
more than running it."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import prepared, two_factor


def _signed_in_user(pk):
    return two_factor.with_authenticator_state(
        get_user_model()._default_manager.select_related("municipality")
    ).filter(pk=pk)


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        try:
            pk = int(user_id)
        except (TypeError, ValueError):
            return None
        found = prepared.rows("signed_in_user", _signed_in_user, pk=pk)
        user = found[0] if found else None
        return user if user is not None and self.user_can_authenticate(user) else None
