"""Temporary failures are retried with a growing delay, then fail; the sweep picks up lost ones."""

import smtplib
from datetime import timedelta

import pytest
from celery.exceptions import Retry
from django.db import transaction
from django.utils import timezone

from continuite.notifications import tasks
from continuite.notifications.backends import SmsBackend, SmsError
from continuite.notifications.delivery import MAX_ATTEMPTS, message_deliver, retry_delay
from continuite.notifications.models import Message
from continuite.notifications.services import message_enqueue

from .helpers import sms

pytestmark = [pytest.mark.django_db]


class DownSmsBackend(SmsBackend):
    """A provider that is down: every send is a temporary failure."""

    calls = 0

    def send(self, *, to: str, body: str, reference: str) -> str:
        type(self).calls += 1
        raise SmsError("provider answered 503")


class BrokenSmsBackend(SmsBackend):
    """A backend with a bug: an exception none of the known failures covers."""

    def send(self, *, to: str, body: str, reference: str) -> str:
        raise KeyError("id")


@pytest.fixture
def provider_down(settings):
    settings.SMS_BACKEND = f"{__name__}.DownSmsBackend"
    DownSmsBackend.calls = 0
    return DownSmsBackend


def created_ago(message: Message, delta: timedelta) -> None:
    Message.objects.filter(pk=message.pk).update(created_at=timezone.now() - delta)


def test_a_message_fails_after_max_attempts_temporary_failures(provider_down):
    message = sms()

    outcomes = [message_deliver(message_id=message.pk) for _ in range(MAX_ATTEMPTS)]

    assert [outcome.retry for outcome in outcomes] == [True] * (MAX_ATTEMPTS - 1) + [False]
    assert outcomes[-1].status == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("failed", MAX_ATTEMPTS)
    assert message.last_error == "provider answered 503"
    # A failed message is not sent again.
    assert message_deliver(message_id=message.pk).status == "failed"
    assert provider_down.calls == MAX_ATTEMPTS


def test_the_task_asks_celery_for_a_retry_after_a_growing_delay(provider_down):
    message = sms(attempts=2)

    with pytest.raises(Retry) as retry:
        tasks.deliver_message.apply(args=[message.pk])

    assert retry.value.when == retry_delay(3) == 120
    assert [retry_delay(attempts) for attempts in (1, 2, 8)] == [30, 60, 3600]


def test_an_unexpected_error_counts_as_an_attempt(settings):
    settings.SMS_BACKEND = f"{__name__}.BrokenSmsBackend"
    message = sms()

    outcome = message_deliver(message_id=message.pk)

    assert (outcome.status, outcome.retry) == ("pending", True)
    message.refresh_from_db()
    assert (message.attempts, message.last_error) == (1, "'id'")


@pytest.mark.parametrize(
    ("code", "status"), [(450, "pending"), (452, "pending"), (550, "failed"), (553, "failed")]
)
def test_a_refused_recipient_fails_for_good_only_on_a_permanent_smtp_reply(
    settings, monkeypatch, code, status
):
    def refuse(self, email_messages):
        raise smtplib.SMTPRecipientsRefused({"camille@example.org": (code, b"refused")})

    monkeypatch.setattr("django.core.mail.backends.locmem.EmailBackend.send_messages", refuse)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    message = Message.objects.create(
        channel=Message.Channel.EMAIL, to="camille@example.org", body="Bonjour", dedup_key="e:1"
    )

    assert message_deliver(message_id=message.pk).status == status


def test_a_failing_delivery_does_not_break_the_transaction_that_queued_it(
    provider_down, django_capture_on_commit_callbacks
):
    # Tasks run eagerly here, as in development: the failed send raises Retry in the callback.
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        message = message_enqueue(
            channel=Message.Channel.SMS, to="+33612345678", body="Rappel", dedup_key="r:2:sms"
        )

    assert len(callbacks) == 1
    message.refresh_from_db()
    assert (message.status, message.attempts) == ("pending", 1)


def test_enqueueing_the_same_event_twice_queues_one_message(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        first = message_enqueue(channel="sms", to="+33612345678", body="A", dedup_key="k:1")
        second = message_enqueue(channel="sms", to="+33612345678", body="B", dedup_key="k:1")

    assert first.pk == second.pk
    assert Message.objects.get().body == "A"
    assert len(callbacks) == 1


@pytest.fixture
def queued(monkeypatch):
    """Message ids deliver_pending queues (the task itself is not run)."""
    ids = []
    monkeypatch.setattr(tasks.deliver_message, "delay", ids.append)
    return ids


def test_the_sweep_queues_only_pending_messages_older_than_five_minutes(queued):
    old_pending = sms("old-pending")
    created_ago(old_pending, timedelta(minutes=6))
    recent_pending = sms("recent-pending")
    created_ago(recent_pending, timedelta(minutes=4))
    for status in ("sent", "delivered", "failed"):
        created_ago(sms(f"old-{status}", status=status), timedelta(hours=2))

    assert tasks.deliver_pending() == 1
    assert queued == [old_pending.pk]


def test_the_sweep_leaves_a_message_waiting_for_its_retry_and_takes_an_overdue_one(queued):
    # Tried 3 times: its own task retries it 30 s + 1 min + 2 min after its creation.
    waiting = sms("waiting", attempts=3, last_error="503")
    created_ago(waiting, timedelta(minutes=8))
    overdue = sms("overdue", attempts=3, last_error="503")
    created_ago(overdue, timedelta(minutes=9))

    assert tasks.deliver_pending() == 1
    assert queued == [overdue.pk]


def test_the_sweep_takes_the_oldest_messages_first(queued, monkeypatch):
    monkeypatch.setattr(tasks, "SWEEP_BATCH", 2)
    messages = [sms(f"backlog-{minutes}") for minutes in (10, 30, 20)]
    for message, minutes in zip(messages, (10, 30, 20), strict=True):
        created_ago(message, timedelta(minutes=minutes))

    assert tasks.deliver_pending() == 2
    assert queued == [messages[1].pk, messages[2].pk]
