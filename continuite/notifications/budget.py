"""The daily SMS budget of public requests, per phone number and per client address.

A public form that sends an SMS could be used to flood a stranger's phone, or to spend the
service's SMS credit, from one connection. Views of public forms run under `sms_budget`; while
they do, every SMS put in the outbox is counted for its number and for the client's address for
the day (in Django's cache, Redis in production), and beyond either budget it is not queued and
the refusal is logged. The request is answered as usual (nothing tells who the number belongs
to), and emails still go. Messages that agents and scheduled jobs cause are not counted.
"""

import logging
from contextvars import ContextVar
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone

from continuite.core.net import client_address

from .models import Message

logger = logging.getLogger(__name__)

DAY_SECONDS = 86400
# The client address of the public request being answered; None outside one.
_public_client: ContextVar[str | None] = ContextVar("public_client", default=None)


def _day() -> int:
    """The number of the current local day (patched by tests to stay inside one day)."""
    return timezone.localdate().toordinal()


def sms_budget(view):
    """Decorate a public view: the SMS its request causes are counted against the budgets."""

    @wraps(view)
    def wrapped(request, *args, **kwargs):
        token = _public_client.set(client_address(request))
        try:
            return view(request, *args, **kwargs)
        finally:
            _public_client.reset(token)

    return wrapped


def _count(key: str) -> int:
    cache.add(key, 0, timeout=DAY_SECONDS * 2)
    try:
        return cache.incr(key)
    except ValueError:  # evicted between add and incr: start again from this message
        cache.set(key, 1, timeout=DAY_SECONDS * 2)
        return 1


def sms_budget_allows(message: Message) -> bool:
    """Whether this message may be queued: always, unless it is an SMS caused by a public
    request beyond today's budget of its number or of the client's address (counted here)."""
    address = _public_client.get()
    if address is None or message.channel != Message.Channel.SMS:
        return True
    day = _day()
    by_phone = _count(f"smsbudget:phone:{message.to}:{day}")
    by_address = _count(f"smsbudget:address:{address}:{day}")
    if (
        by_phone <= settings.SMS_BUDGET_PER_PHONE_PER_DAY
        and by_address <= settings.SMS_BUDGET_PER_ADDRESS_PER_DAY
    ):
        return True
    logger.warning(
        "SMS not queued: daily budget spent (number ending %s: %s today; address %s: %s today)",
        message.to[-2:],
        by_phone,
        address,
        by_address,
    )
    return False
