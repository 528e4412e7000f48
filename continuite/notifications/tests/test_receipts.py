"""The SMS provider's delivery receipts: signed with a shared secret, applied once."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from continuite.notifications.models import Message
from continuite.notifications.tests.helpers import sms
from continuite.notifications.views import sign

SECRET = "receipt-secret-3d9a"


pytestmark = [pytest.mark.django_db, pytest.mark.urls("continuite.notifications.tests.urls")]


@pytest.fixture(autouse=True)
def webhook_secret(settings):
    settings.SMS_WEBHOOK_SECRET = SECRET


@pytest.fixture
def sent_sms(db):
    return sms(status=Message.Status.SENT, attempts=1, provider_id="abc", sent_at=timezone.now())


def post_receipt(client, payload, *, secret=SECRET, signature=None):
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return client.post(
        reverse("notifications:sms_receipt"),
        body,
        content_type="application/json",
        headers={"X-Signature": signature if signature is not None else sign(secret, body)},
    )


def test_the_receipt_endpoint_url():
    assert reverse("notifications:sms_receipt").endswith("/accuses/sms/")


def test_a_delivered_receipt_marks_the_message_delivered(client, sent_sms):
    response = post_receipt(client, {"id": "abc", "status": "delivered"})

    assert response.status_code == 200
    assert response.json() == {"matched": 1}
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"
    assert sent_sms.delivered_at is not None


def test_a_failed_receipt_marks_the_message_failed_with_its_detail(client, sent_sms):
    response = post_receipt(client, {"id": "abc", "status": "failed", "detail": "unknown number"})

    assert response.status_code == 200
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.last_error) == ("failed", "unknown number")


def test_the_same_receipt_twice_changes_nothing_the_second_time(client, sent_sms):
    assert post_receipt(client, {"id": "abc", "status": "delivered"}).status_code == 200
    sent_sms.refresh_from_db()
    first_delivered_at = sent_sms.delivered_at

    assert post_receipt(client, {"id": "abc", "status": "delivered"}).status_code == 200
    sent_sms.refresh_from_db()
    assert (sent_sms.status, sent_sms.delivered_at) == ("delivered", first_delivered_at)


def test_a_late_failure_receipt_does_not_undo_a_delivery(client, sent_sms):
    post_receipt(client, {"id": "abc", "status": "delivered"})

    assert post_receipt(client, {"id": "abc", "status": "failed"}).status_code == 200
    sent_sms.refresh_from_db()
    assert sent_sms.status == "delivered"


def test_a_receipt_for_an_unknown_message_is_not_found(client, sent_sms):
    response = post_receipt(client, {"id": "zzz", "status": "delivered"})

    assert response.status_code == 404
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"


@pytest.mark.parametrize(
    "signature",
    ["", "sha256=" + "0" * 64, "abc", "sha256=é"],
    ids=["missing", "wrong", "malformed", "non-ascii"],
)
def test_a_receipt_without_a_valid_signature_is_forbidden(client, sent_sms, signature):
    response = post_receipt(client, {"id": "abc", "status": "delivered"}, signature=signature)

    assert response.status_code == 403
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"


def test_a_receipt_signed_with_another_secret_is_forbidden(client, sent_sms):
    response = post_receipt(client, {"id": "abc", "status": "delivered"}, secret="other")

    assert response.status_code == 403


@pytest.mark.parametrize("secret", ["", None])
def test_without_a_configured_secret_every_receipt_is_forbidden(client, settings, sent_sms, secret):
    if secret is None:
        del settings.SMS_WEBHOOK_SECRET
    else:
        settings.SMS_WEBHOOK_SECRET = secret

    # Signed with the empty secret: it must not open the door either.
    response = post_receipt(client, {"id": "abc", "status": "delivered"}, secret="")

    assert response.status_code == 403
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"status": "delivered"}',
        b'{"id": "", "status": "delivered"}',
        b'{"id": 12, "status": "delivered"}',
        b'{"id": "abc", "status": "read"}',
        b'{"id": "abc", "status": ["delivered"]}',
        b'{"id": "abc", "status": "failed", "detail": 3}',
    ],
)
def test_a_malformed_receipt_is_a_bad_request(client, sent_sms, body):
    response = post_receipt(client, body)

    assert response.status_code == 400
    sent_sms.refresh_from_db()
    assert sent_sms.status == "sent"


def test_the_endpoint_needs_no_csrf_token_and_only_accepts_post(sent_sms):
    client = Client(enforce_csrf_checks=True)

    assert post_receipt(client, {"id": "abc", "status": "delivered"}).status_code == 200
    assert client.get(reverse("notifications:sms_receipt")).status_code == 405
