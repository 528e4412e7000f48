from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _

from continuite.core.forms import BaseForm


class LoginForm(BaseForm, AuthenticationForm):
    """Username and password, in the State design system."""


class TokenForm(BaseForm):
    token = forms.CharField(
        label=_("Six-digit code from your authenticator app"),
        min_length=6,
        max_length=6,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )

    def __init__(self, *args, device, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_token(self):
        token = self.cleaned_data["token"].strip()
        if not token.isdigit() or not self.device.verify_token(token):
            raise forms.ValidationError(
                _("This code is not valid. Check your phone's clock and try again.")
            )
        return token
