"""The outbox admin: messages can be looked at, not edited, and failed ones retried."""

import pytest
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import translation
from django.utils.translation import ngettext

from continuite.accounts.tests.factories import UserFactory
from continuite.notifications.backends import SmsBackend

from .helpers import sms

pytestmark = [pytest.mark.django_db]

CHANGELIST = reverse("admin:notifications_message_changelist")


class RecordingSmsBackend(SmsBackend):
    sent: list[str] = []

    def send(self, *, to: str, body: str, reference: str) -> str:
        type(self).sent.append(reference)
        return f"rec-{reference}"


@pytest.fixture
def recording_sms(settings):
    settings.SMS_BACKEND = f"{__name__}.RecordingSmsBackend"
    RecordingSmsBackend.sent = []
    return RecordingSmsBackend


@pytest.fixture
def superuser_client(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    return client


def test_the_outbox_is_listed_and_searchable_but_cannot_be_added_to(superuser_client):
    sms("reminder:1:sms")
    sms("lottery:2:entered")

    listing = superuser_client.get(CHANGELIST, {"q": "lottery"})

    assert listing.status_code == 200
    assert list(listing.context["cl"].result_list.values_list("dedup_key", flat=True)) == [
        "lottery:2:entered"
    ]
    assert superuser_client.get(reverse("admin:notifications_message_add")).status_code == 403
    actions = dict(listing.context["action_form"].fields["action"].choices)
    assert "retry_delivery" in actions
    assert "delete_selected" not in actions


def test_a_message_cannot_be_changed_or_deleted(superuser_client):
    message = sms("reminder:1:sms")
    change_url = reverse("admin:notifications_message_change", args=[message.pk])

    page = superuser_client.get(change_url)
    change = superuser_client.post(change_url, {"to": "+33600000000", "body": "Autre"})
    delete_url = reverse("admin:notifications_message_delete", args=[message.pk])
    delete = superuser_client.post(delete_url, {"post": "yes"})

    assert page.status_code == 200
    assert not page.context["has_change_permission"]
    assert (change.status_code, delete.status_code) == (403, 403)
    message.refresh_from_db()
    assert (message.to, message.body) == ("+33612345678", "Rappel")


def test_retrying_delivery_sends_failed_and_pending_messages_and_leaves_sent_ones(
    superuser_client, recording_sms, django_capture_on_commit_callbacks
):
    failed = sms("failed", status="failed", attempts=8, last_error="503")
    pending = sms("pending", attempts=2)
    sent = sms("sent", status="sent", attempts=1, provider_id="p-1")

    with django_capture_on_commit_callbacks(execute=True):
        response = superuser_client.post(
            CHANGELIST,
            {"action": "retry_delivery", "_selected_action": [failed.pk, pending.pk, sent.pk]},
            follow=True,
        )

    assert response.status_code == 200
    assert sorted(recording_sms.sent) == ["failed", "pending"]
    failed.refresh_from_db()
    pending.refresh_from_db()
    sent.refresh_from_db()
    assert (failed.status, failed.attempts) == ("sent", 1)
    assert (pending.status, pending.attempts) == ("sent", 3)
    assert (sent.status, sent.provider_id) == ("sent", "p-1")
    notices = [str(notice) for notice in response.context["messages"]]
    with translation.override("fr"):
        expected = [
            ngettext(
                "%(count)d message queued for delivery.",
                "%(count)d messages queued for delivery.",
                2,
            )
            % {"count": 2},
            ngettext(
                "%(count)d message already sent was left alone.",
                "%(count)d messages already sent were left alone.",
                1,
            )
            % {"count": 1},
        ]
    assert notices == expected


def test_only_people_who_may_change_messages_can_retry_them(client, recording_sms):
    viewer = UserFactory(is_staff=True)
    viewer.user_permissions.add(Permission.objects.get(codename="view_message"))
    client.force_login(viewer)
    failed = sms("failed", status="failed", attempts=8)

    listing = client.get(CHANGELIST)
    client.post(CHANGELIST, {"action": "retry_delivery", "_selected_action": [failed.pk]})

    assert listing.status_code == 200
    assert listing.context["action_form"] is None  # no action offered at all
    failed.refresh_from_db()
    assert failed.status == "failed"
    assert recording_sms.sent == []
