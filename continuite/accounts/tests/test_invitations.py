"""Invitations: a single-use, expiring link sets the password, then enrols the second factor."""

import re
from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from continuite.accounts.models import AuditLog, User
from continuite.accounts.services import invitation_send

from .factories import UserFactory

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "une-phrase-de-passe-solide-2026"
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"


@pytest.fixture
def otp_required(settings):
    settings.OTP_REQUIRED_FOR_MANAGERS = True


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


def invite(user, **kwargs):
    with_commit = kwargs.pop("django_capture_on_commit_callbacks")
    with with_commit(execute=True):
        link = invitation_send(user=user, invited_by=None, **kwargs)
    return link.removeprefix("http://127.0.0.1:8000")


def accept(client, path):
    return client.post(path, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})


def test_an_invitation_sets_the_password_enrols_the_authenticator_and_shows_recovery_codes(
    client, django_capture_on_commit_callbacks, otp_required
):
    user = UserFactory(email="camille@example.org", is_superuser=True)
    path = invite(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["camille@example.org"]
    assert path in mail.outbox[0].body

    assert client.get(path).status_code == 200
    response = accept(client, path)
    assert response.status_code == 302 and response["Location"] == reverse("accounts:enrol")
    elsewhere = client.get(reverse("service_points:manage_list"), follow=True)
    assert elsewhere.redirect_chain[-1][0] == reverse("accounts:enrol")

    page = client.get(reverse("accounts:enrol"))
    assert "<svg" in page.content.decode()
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    response = client.post(reverse("accounts:enrol"), {"token": current_code(device)})

    assert response.status_code == 200
    codes = response.context["codes"]
    assert len(codes) == 10 and all(code in response.content.decode() for code in codes)
    assert TOTPDevice.objects.get(user=user).confirmed
    assert client.get(reverse("service_points:manage_list")).status_code == 200
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert set(
        AuditLog.objects.filter(target_id=str(user.pk)).values_list("action", flat=True)
    ) >= {
        "invitation_send",
        "invitation_accept",
        "second_factor_enrol",
    }


def test_an_invitation_link_works_only_once(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    path = invite(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    accept(client, path)
    client.logout()

    response = accept(client, path)

    assert response.status_code == 410
    assert "nouvelle invitation" in response.content.decode()


def test_an_expired_invitation_is_refused(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    sent_at = timezone.now() - timedelta(days=8)
    path = invite(
        user, now=sent_at, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks
    )

    assert client.get(path).status_code == 410
    assert accept(client, path).status_code == 410
    user.refresh_from_db()
    assert not user.check_password(NEW_PASSWORD)


def test_a_new_invitation_replaces_the_previous_link(client, django_capture_on_commit_callbacks):
    user = UserFactory()
    first = invite(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    second = invite(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)

    assert client.get(first).status_code == 410
    assert client.get(second).status_code == 200


def test_the_enrolment_page_without_an_invitation_offers_nothing(client, otp_required):
    user = UserFactory(is_superuser=True)
    client.force_login(user, backend=MODEL_BACKEND)

    response = client.get(reverse("accounts:enrol"))

    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()


def test_a_recovery_code_passes_the_second_factor_once(
    client, django_capture_on_commit_callbacks, otp_required
):
    user = UserFactory(is_superuser=True)
    path = invite(user, django_capture_on_commit_callbacks=django_capture_on_commit_callbacks)
    accept(client, path)
    client.get(reverse("accounts:enrol"))
    device = TOTPDevice.objects.get(user=user)
    codes = client.post(reverse("accounts:enrol"), {"token": current_code(device)}).context["codes"]
    client.logout()
    user.refresh_from_db()  # its password changed: the session's hash must match it

    client.force_login(user, backend=MODEL_BACKEND)
    response = client.get(reverse("service_points:manage_list"))
    assert response.status_code == 302 and reverse("accounts:second_factor") in response["Location"]
    response = client.post(reverse("accounts:second_factor"), {"token": codes[0].upper()})
    assert response.status_code == 302
    assert client.get(reverse("service_points:manage_list")).status_code == 200
    assert not StaticToken.objects.filter(token=codes[0]).exists()

    client.logout()
    client.force_login(user, backend=MODEL_BACKEND)
    response = client.post(reverse("accounts:second_factor"), {"token": codes[0]})
    assert response.status_code == 200 and response.context["form"].errors


def test_invite_admin_prints_a_single_use_link_for_a_new_administrator(client):
    out = StringIO()
    call_command("invite_admin", "Admin@Example.org", stdout=out)

    admin = User.objects.get(username="admin@example.org")
    assert admin.is_superuser and admin.is_staff and not admin.has_usable_password()
    path = re.search(r"/compte/invitation/[\w-]+/", out.getvalue()).group(0)
    assert client.get(path).status_code == 200
