from base64 import b32encode
from functools import wraps

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import services, two_factor, user_extensions
from .context_processors import START_PAGES
from .forms import SecondFactorForm, TokenForm, UserEditForm, UserInviteForm
from .health import health_report
from .idempotency import idempotent
from .models import User
from .permissions import role_required
from .redirects import safe_target
from .roles import Role


def home(request):
    """Each role lands on its own start page."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if user.role in START_PAGES and user.municipality_id:
        return redirect(START_PAGES[user.role])
    if user.is_superuser:
        return redirect("admin:index")
    raise PermissionDenied


@require_GET
@never_cache
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=503 if report["database"] != "ok" else 200)


@role_required(Role.ADMIN)
def user_list(request):
    users = user_extensions.for_list(User.objects.for_user(request.user))
    rows = [(person, user_extensions.labels(person)) for person in users]
    return render(request, "vakwerk/user_list.html", {"rows": rows})


@role_required(Role.ADMIN)
@idempotent
def user_invite(request):
    form = UserInviteForm(request.POST or None, acting_user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            invitation = services.invite_user(
                request.user, base_url=request.build_absolute_uri("/"), **form.cleaned_data
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            # The same answer whether or not the address has an account elsewhere.
            messages.success(
                request, _("%(email)s has been invited by e-mail.") % {"email": invitation.email}
            )
            return redirect("user_list")
    return render(request, "vakwerk/user_form.html", {"form": form, "title": _("Invite user")})


@role_required(Role.ADMIN)
def user_edit(request, pk):
    user = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    form = UserEditForm(
        request.POST or None,
        user=user,
        initial={"role": user.role, "is_active": user.is_active},
    )
    if request.method == "POST" and form.is_valid():
        services.update_user(request.user, user, **form.cleaned_data)
        messages.success(request, _("The changes have been saved."))
        return redirect("user_list")
    return render(
        request, "vakwerk/user_form.html", {"form": form, "title": user.email, "edited": user}
    )


def _safe_next(request):
    target = request.POST.get("next") or request.GET.get("next")
    return safe_target(request, target, resolve_url("home"))


def _qr_svg(uri):
    image = qrcode.make(uri, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    return image.to_string(encoding="unicode")


def may_enrol(view):
    """Municipal staff, employers and platform operators (who have no role) may have a
    second factor; anyone else is refused before the view (and its form key) runs."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not request.user.may_use_two_factor:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@never_cache
@may_enrol
def two_factor_setup(request):
    if two_factor.authenticator_state(request.user) == two_factor.CONFIRMED:
        messages.info(request, _("You already use an authenticator app."))
        return redirect("two_factor_manage")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "default"}
    )
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = two_factor.enrol(request.user, device)
        otp_login(request, device)
        _show_codes_once(request, codes)
        messages.success(request, _("Two-factor authentication is now on for your account."))
        return _redirect_next("two_factor_manage", _safe_next(request))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _base32(device.bin_key),
        "next": request.GET.get("next", ""),
        "was_reset": device.name == two_factor.RESET_DEVICE_NAME,
    }
    return render(request, "vakwerk/two_factor_setup.html", context)


def _show_codes_once(request, codes):
    # Kept in the session only until the next page shows them: the user's one chance to
    # write them down, after which only their use can be counted.
    request.session[two_factor.NEW_CODES_SESSION_KEY] = codes


def _redirect_next(url_name, target):
    return redirect(f"{reverse(url_name)}?{urlencode({'next': target})}")


@never_cache
@may_enrol
def two_factor_manage(request):
    """The account's second factor: the backup codes just made (once), how many are left,
    and a new set."""
    authenticator, backup = two_factor.confirmed_devices(request.user)
    context = {
        "authenticator": authenticator,
        "codes_left": two_factor.backup_codes_left(backup),
        "new_codes": request.session.pop(two_factor.NEW_CODES_SESSION_KEY, None),
        "next": _safe_next(request) if request.GET.get("next") else "",
    }
    return render(request, "vakwerk/two_factor_manage.html", context)


@require_POST
@may_enrol
@idempotent
def two_factor_backup_codes_new(request):
    _show_codes_once(request, two_factor.renew_backup_codes(request.user))
    messages.success(request, _("You have new backup codes. The old ones no longer work."))
    return redirect("two_factor_manage")


def _base32(key):
    return b32encode(key).decode()


@never_cache
def two_factor_verify(request):
    if not request.user.is_authenticated:
        return redirect("login")
    authenticator, backup = two_factor.confirmed_devices(request.user)
    if authenticator is None and backup is None:
        return redirect("home")
    form = SecondFactorForm(request.POST or None, authenticator=authenticator, backup=backup)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        if form.device == backup:
            left = two_factor.backup_codes_left(backup)
            messages.warning(
                request,
                ngettext(
                    "You logged in with a backup code. You have %(count)d backup code left.",
                    "You logged in with a backup code. You have %(count)d backup codes left.",
                    left,
                )
                % {"count": left},
            )
        return redirect(_safe_next(request))
    left = two_factor.backup_codes_left(backup)
    context = {
        "form": form,
        "next": request.GET.get("next", ""),
        "codes_left": left,
        "few_codes_left": backup is not None and left <= two_factor.FEW_BACKUP_CODES,
    }
    return render(request, "vakwerk/two_factor_verify.html", context)


@role_required(Role.ADMIN)
@idempotent
def user_two_factor_reset(request, pk):
    """The municipality's admin resets a colleague's second factor, after a confirmation:
    a colleague who lost their phone enrols anew at the next request."""
    user = get_object_or_404(User.objects.for_user(request.user), pk=pk)
    if request.method == "POST":
        two_factor.reset_second_factor(request.user, user)
        messages.success(
            request,
            _(
                "The second factor of %(user)s has been reset. They set up a new one at their "
                "next login."
            )
            % {"user": user.email},
        )
        return redirect("user_edit", pk=user.pk)
    return render(
        request,
        "vakwerk/user_two_factor_reset.html",
        {
            "edited": user,
            "has_device": two_factor.authenticator_state(user) == two_factor.CONFIRMED,
        },
    )
