"""An invited site manager activates their account: password, authenticator, recovery codes.

The six-digit code is computed by the test from the device's key, as an authenticator app would.
Then, logged out, the manager comes back with their password and one of their recovery codes.
"""

import pytest
from django.db import transaction
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from continuite.accounts.services import invitation_send
from continuite.accounts.tests.factories import RoleFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.usefixtures("reference_data")]

NEW_PASSWORD = "une-phrase-de-passe-solide-2026"


def current_code(device):
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits):06d}"


@pytest.mark.parametrize("javascript", [True, False], ids=["js", "no-js"])
def test_an_invited_manager_sets_a_password_and_enrols_an_authenticator(
    new_page, settings, javascript
):
    settings.OTP_REQUIRED_FOR_MANAGERS = True
    manager = UserFactory(username="camille@example.org", email="camille@example.org")
    manager.set_unusable_password()
    manager.save()
    RoleFactory(user=manager)
    with transaction.atomic():
        link = invitation_send(user=manager, invited_by=None)
    page = new_page(java_script_enabled=javascript)

    page.goto(link.removeprefix(settings.SITE_URL))
    expect(page.locator("h1")).to_have_text("Activez votre compte")
    page.locator("[name=new_password1]").fill(NEW_PASSWORD)
    page.locator("[name=new_password2]").fill(NEW_PASSWORD)
    page.locator("main button[type=submit]").click()

    page.wait_for_url("**/compte/double-authentification/enrolement/")
    expect(page.locator(".continuite-qr svg")).to_be_attached()
    device = TOTPDevice.objects.get(user=manager, confirmed=False)
    page.locator("[name=token]").fill(current_code(device))
    page.locator("main button[type=submit]").click()

    codes = page.locator("#recovery-codes li code")
    expect(codes).to_have_count(10)
    recovery_code = codes.first.inner_text()
    page.locator("main a", has_text="Aller à mon espace agent").click()
    page.wait_for_url("**/espace-agent/")

    # Back later, without the phone: password, then a recovery code.
    page.locator("header form button", has_text="Se déconnecter").click()
    page.goto("/compte/connexion/")
    page.locator("main form [name=username]").fill("camille@example.org")
    page.locator("main form [name=password]").fill(NEW_PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.wait_for_url("**/compte/double-authentification/**")
    page.locator("[name=token]").fill(recovery_code)
    page.locator("main button[type=submit]").click()
    page.wait_for_url("**/espace-agent/")
    expect(page.locator(".fr-alert--success")).to_be_visible()
