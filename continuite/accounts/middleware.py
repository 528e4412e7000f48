"""Managers must pass a second factor (TOTP) before anything else, when settings require it."""

from django.conf import settings
from django.shortcuts import redirect
from django.urls import reverse


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if (
            settings.OTP_REQUIRED_FOR_MANAGERS
            and user.is_authenticated
            and not user.is_verified()
            and not request.path.startswith(
                (reverse("accounts:second_factor"), reverse("accounts:logout"))
            )
            and not request.path.startswith(
                settings.STATIC_URL if settings.STATIC_URL.startswith("/") else "/static/"
            )
            and user.is_manager
        ):
            return redirect(f"{reverse('accounts:second_factor')}?next={request.get_full_path()}")
        return self.get_response(request)
