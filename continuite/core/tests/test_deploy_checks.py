"""`manage.py check --deploy` refuses a deployment whose links, SMS or emails would not reach people."""

import pytest
from django.core.checks import run_checks
from django.test import override_settings

READY = {
    "SITE_URL": "https://rdv.continuite.fr",
    "SMS_BACKEND": "continuite.notifications.backends.HttpSmsBackend",
    "SMS_API_URL": "https://sms.fournisseur.fr/v1/send",
    "SMS_API_TOKEN": "token",
    "SMS_WEBHOOK_SECRET": "secret",
    "EMAIL_BACKEND": "django.core.mail.backends.smtp.EmailBackend",
    "EMAIL_HOST": "smtp.continuite.fr",
    "DEFAULT_FROM_EMAIL": "Continuité <ne-pas-repondre@continuite.fr>",
}


def our_deploy_checks(**overrides) -> list[str]:
    with override_settings(**{**READY, **overrides}):
        messages = run_checks(include_deployment_checks=True)
    return [m.id for m in messages if m.id and m.id.startswith("continuite.")]


def test_a_deployment_with_every_setting_passes():
    assert our_deploy_checks() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"SITE_URL": "http://rdv.continuite.fr"}, "continuite.E001"),
        ({"SITE_URL": ""}, "continuite.E001"),
        ({"SITE_URL": "https://localhost:8000"}, "continuite.E002"),
        ({"SITE_URL": "https://127.0.0.1"}, "continuite.E002"),
        ({"SITE_URL": "https://rdv.continuite.example"}, "continuite.E002"),
        ({"SMS_BACKEND": "continuite.notifications.backends.FileSmsBackend"}, "continuite.E003"),
        ({"SMS_API_URL": ""}, "continuite.E004"),
        ({"SMS_API_TOKEN": ""}, "continuite.E004"),
        ({"SMS_API_URL": "http://sms.fournisseur.fr/v1/send"}, "continuite.E005"),
        ({"SMS_WEBHOOK_SECRET": ""}, "continuite.W001"),
        ({"EMAIL_BACKEND": "django.core.mail.backends.filebased.EmailBackend"}, "continuite.E006"),
        ({"EMAIL_HOST": ""}, "continuite.E007"),
        (
            {"DEFAULT_FROM_EMAIL": "Continuité <ne-pas-repondre@continuite.example>"},
            "continuite.E008",
        ),
        ({"DEFAULT_FROM_EMAIL": "webmaster@localhost"}, "continuite.E008"),
    ],
)
def test_a_missing_or_local_setting_is_reported(overrides, expected):
    assert our_deploy_checks(**overrides) == [expected]


def test_another_email_or_sms_provider_needs_no_smtp_host_nor_sms_url():
    assert (
        our_deploy_checks(
            EMAIL_BACKEND="anymail.backends.brevo.EmailBackend",
            EMAIL_HOST="",
            SMS_BACKEND="continuite.notifications.backends.OtherProviderBackend",
            SMS_API_URL="",
        )
        == []
    )


def test_these_checks_run_only_with_deploy():
    with override_settings(SITE_URL="http://127.0.0.1:8000", SMS_API_URL=""):
        assert not any((m.id or "").startswith("continuite.") for m in run_checks())
