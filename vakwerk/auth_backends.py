"""Password sign-in: Django's ModelBackend, with the user's municipality read in the same
query as the user.

Every page reads `request.user.municipality` (the header, the scoping of its querysets),
and Django's backend loads the user alone: one query more on every request."""

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend


class AccountBackend(ModelBackend):
    def get_user(self, user_id):
        user_model = get_user_model()
        try:
            user = user_model._default_manager.select_related("municipality").get(pk=user_id)
        except user_model.DoesNotExist:
            return None
        return user if self.user_can_authenticate(user) else None
