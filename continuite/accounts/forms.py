from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _
from django_otp import match_token

from continuite.core.forms import BaseForm
from continuite.core.models import Departement

from .models import Role


class LoginForm(BaseForm, AuthenticationForm):
    """Username and password, in the State design system."""


class TokenForm(BaseForm):
    """A code of the agent's authenticator app, or one of their single-use recovery codes."""

    token = forms.CharField(
        label=_("Six-digit code from your authenticator app, or a recovery code"),
        min_length=6,
        max_length=16,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.device = None

    def clean_token(self):
        token = self.cleaned_data["token"].strip().lower()
        # Verifying a recovery code uses it up.
        self.device = match_token(self.user, token)
        if self.device is None:
            raise forms.ValidationError(
                _("This code is not valid. Check your phone's clock and try again.")
            )
        return token


class EnrolmentForm(BaseForm):
    """The first code of a new authenticator, proving it was set up."""

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


class NewPasswordForm(BaseForm, SetPasswordForm):
    """A new password, by invitation or reset (the project's password validators apply)."""


class ResetRequestForm(BaseForm, PasswordResetForm):
    """The email address a password reset link is sent to."""


class StaffInviteForm(BaseForm):
    """An agent to invite to a site, or to give a role there if they already have an account."""

    email = forms.EmailField(label=_("Email address"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    kind = forms.ChoiceField(
        label=_("Role"),
        choices=[
            (Role.Kind.AGENT, Role.Kind.AGENT.label),
            (Role.Kind.SITE_MANAGER, Role.Kind.SITE_MANAGER.label),
        ],
    )


class RoleKindForm(BaseForm):
    kind = forms.ChoiceField(choices=[(kind, kind) for kind in Role.POINT_KINDS])


class NetworkManagerInviteForm(BaseForm):
    """A manager of a network for one département, within the appointing manager's scope."""

    email = forms.EmailField(label=_("Email address"), max_length=150)
    first_name = forms.CharField(label=_("First name"), max_length=150)
    last_name = forms.CharField(label=_("Last name"), max_length=150)
    departement = forms.ModelChoiceField(
        label=_("Département"), queryset=Departement.objects.none()
    )

    def __init__(self, *args, departements: set[str] | None, **kwargs):
        super().__init__(*args, **kwargs)
        choices = Departement.objects.order_by("code")
        if departements is not None:
            choices = choices.filter(code__in=departements)
        self.fields["departement"].queryset = choices
