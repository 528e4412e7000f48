"""Login with password, then a second factor for managers; invitations enrol that factor.

A second factor is enrolled only right after an invitation link was used (a single-use link
sent to the agent's address), never after a password alone: whoever learns a manager's password
cannot register their own authenticator.
"""

from base64 import b32encode

import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp import user_has_device
from django_otp.plugins.otp_totp.models import TOTPDevice

from . import proconnect, services
from .forms import EnrolmentForm, LoginForm, NewPasswordForm, TokenForm

# Set in the session when an invitation was used; only then may a second factor be enrolled.
ENROLMENT_SESSION_KEY = "continuite_may_enrol_user"


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(**kwargs, proconnect_enabled=proconnect.enabled())


def _safe_next(request) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return settings.LOGIN_REDIRECT_URL


@login_required
def second_factor(request):
    """Verify a code of the agent's authenticator, or one of their recovery codes."""
    if request.user.is_verified():
        return redirect(_safe_next(request))
    if request.session.get(ENROLMENT_SESSION_KEY) == request.user.pk:
        return redirect("accounts:enrol")  # invited a moment ago: the authenticator comes first
    if not user_has_device(request.user):
        return render(request, "accounts/no_second_factor.html", status=403)
    form = TokenForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        otp_login(request, form.device)
        messages.success(request, _("Second factor verified."))
        return redirect(_safe_next(request))
    context = {"form": form, "next": _safe_next(request)}
    return render(request, "accounts/second_factor.html", context)


def invitation(request, token: str):
    """An invited agent chooses a password, then goes on to enrol their second factor."""
    pending = services.invitation_by_token(token)
    if pending is None:
        return render(request, "accounts/invitation_invalid.html", status=410)
    form = NewPasswordForm(pending.user, request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = services.invitation_accept(token=token, password=form.cleaned_data["new_password1"])
        if user is None:
            return render(request, "accounts/invitation_invalid.html", status=410)
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        request.session[ENROLMENT_SESSION_KEY] = user.pk
        return redirect("accounts:enrol")
    return render(request, "accounts/invitation.html", {"form": form, "invited": pending.user})


@login_required
def enrol(request):
    """Set up an authenticator app, then show the recovery codes, once."""
    if request.session.get(ENROLMENT_SESSION_KEY) != request.user.pk:
        return redirect("accounts:second_factor")
    device = TOTPDevice.objects.filter(user=request.user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(
            user=request.user, confirmed=False, name=_("Authenticator app")
        )
    form = EnrolmentForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        codes = services.second_factor_enrol(user=request.user, device=device)
        del request.session[ENROLMENT_SESSION_KEY]
        otp_login(request, device)
        return render(request, "accounts/recovery_codes.html", {"codes": codes})
    image = qrcode.make(device.config_url, image_factory=qrcode.image.svg.SvgPathImage, box_size=8)
    context = {
        "form": form,
        "qr_svg": mark_safe(image.to_string(encoding="unicode")),
        # Apps take the key typed by hand in base32, as in the QR code's URL.
        "secret": b32encode(device.bin_key).decode(),
    }
    return render(request, "accounts/enrol.html", context)


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset password also lifts the lockout of that account (django-axes)."""

    template_name = "accounts/password_reset_confirm.html"
    form_class = NewPasswordForm
    success_url = reverse_lazy("accounts:password_reset_complete")

    def form_valid(self, form):
        from axes.utils import reset

        response = super().form_valid(form)
        reset(username=self.user.get_username())
        return response


@require_POST
def logout_view(request):
    """Log out; an agent who came through ProConnect is also logged out of ProConnect."""
    target = proconnect.logout_url(request)
    logout(request)
    return redirect(target)
