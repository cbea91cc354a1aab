from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import audit, services
from .audit import AuditAction
from .context_processors import START_PAGES
from .forms import TokenForm, UserEditForm, UserInviteForm
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
    users = User.objects.for_user(request.user).select_related("employer")
    return render(request, "vakwerk/user_list.html", {"users": users})


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


@never_cache
def two_factor_setup(request):
    # Municipal staff, employers and platform operators (who have no role) may enrol.
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not request.user.may_use_two_factor:
        raise PermissionDenied
    if user_has_device(request.user, confirmed=True):
        messages.info(request, _("You already use an authenticator app."))
        return redirect("home")
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "default"}
    )
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(request.user, AuditAction.TWO_FACTOR_ENROLLED)
        otp_login(request, device)
        messages.success(request, _("Two-factor authentication is now on for your account."))
        return redirect(_safe_next(request))
    context = {
        "form": form,
        "qr_svg": _qr_svg(device.config_url),
        "secret": _base32(device.bin_key),
        "next": request.GET.get("next", ""),
    }
    return render(request, "vakwerk/two_factor_setup.html", context)


def _base32(key):
    return b32encode(key).decode()


@never_cache
def two_factor_verify(request):
    if not request.user.is_authenticated:
        return redirect("login")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=True).first()
    if device is None:
        return redirect("home")
    form = TokenForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        otp_login(request, device)
        return redirect(_safe_next(request))
    return render(
        request,
        "vakwerk/two_factor_verify.html",
        {"form": form, "next": request.GET.get("next", "")},
    )
