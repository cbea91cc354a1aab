"""Password sign-in: Django's ModelBackend, with the user's municipality and the state of
their authenticator read in the same query as the user.

Every page reads `request.user.municipality` (the header, the scoping of its querysets)
and the TwoFactorMiddleware asks for the authenticator (`two_factor.authenticator_state`);
Django's backend loads the user alone: two queries more on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend

from . import two_factor


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = two_factor.with_authenticator_state(
                user_model._default_manager.select_related("municipality")
            ).get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
