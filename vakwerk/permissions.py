"""Login and role checks for every view. Which *rows* a user sees is decided by each
model's `for_user` queryset method; this module only decides whether a page is theirs."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied


def check_role(request, roles):
    """None when the user may proceed; a login redirect when anonymous; 403 otherwise."""
    user = request.user
    if not user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if user.role not in roles or not user.municipality_id:
        raise PermissionDenied
    return None


def role_required(*roles):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            response = check_role(request, roles)
            if response is not None:
                return response
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
