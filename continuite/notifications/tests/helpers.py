"""Messages of the outbox as the tests need them."""

from continuite.notifications.models import Message


def sms(key: str = "reminder:1:sms", **fields) -> Message:
    """An SMS reminder queued for +33 6 12 34 56 78 (its fields changed as given)."""
    values = {"to": "+33612345678", "body": "Rappel", **fields}
    return Message.objects.create(channel=Message.Channel.SMS, dedup_key=key, **values)
