"""One-time codes by SMS proving that a person holds a phone, and the proof kept in their session.

A code is six digits drawn by `secrets`, kept only as an HMAC (keyed by SECRET_KEY and bound to
the number), valid PHONE_CODE_MINUTES for PHONE_CODE_ATTEMPTS tries. A number receives at most
PHONE_CODES_PER_PHONE codes per PHONE_CODE_WINDOW_MINUTES (counted in the database, so every web
node sees the same count); the views also count codes per address with `ratelimit`. The SMS is
written to the outbox in the caller's transaction, like every other message: its text is the
only place the clear code exists, until the worker hands it to the SMS provider.
"""

import math
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import phonenumbers
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone, translation
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from continuite.notifications.models import Message
from continuite.notifications.services import message_enqueue

from .models import PhoneCode

HMAC_SALT = "continuite.appointments.phone-code"
SESSION_KEY = "phone_proofs"


class TooManyCodes(Exception):
    """This number received its share of codes; `retry_after` seconds until the next one."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


def code_hash(phone: str, code: str) -> str:
    return salted_hmac(HMAC_SALT, f"{phone}:{code}", algorithm="sha256").hexdigest()


def is_mobile(phone: str) -> bool:
    """True for a number that can receive a text message (a mobile, or a number of either kind)."""
    kind = phonenumbers.number_type(phonenumbers.parse(phone, None))
    return kind in (
        phonenumbers.PhoneNumberType.MOBILE,
        phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    )


def _code_create(*, phone: str, code: str, now: datetime) -> PhoneCode:
    """Record a code in the number's next place, unless its last codes fill its share.

    Requests racing for one number take their places in turn: the one that loses a place
    (the unique sequence) reads the codes again and tries the next place.
    """
    window = timedelta(minutes=settings.PHONE_CODE_WINDOW_MINUTES)
    limit = settings.PHONE_CODES_PER_PHONE
    while True:
        last = list(
            PhoneCode.objects.filter(phone=phone)
            .order_by("-sequence")
            .values_list("sequence", "created_at")[:limit]
        )
        recent = [created_at for _sequence, created_at in last if created_at > now - window]
        if len(recent) >= limit:
            raise TooManyCodes(max(1, math.ceil((recent[-1] + window - now).total_seconds())))
        try:
            with transaction.atomic():
                return PhoneCode.objects.create(
                    phone=phone,
                    sequence=last[0][0] + 1 if last else 1,
                    code_hash=code_hash(phone, code),
                    created_at=now,
                    expires_at=now + timedelta(minutes=settings.PHONE_CODE_MINUTES),
                )
        except IntegrityError:
            continue


@transaction.atomic
def phone_code_send(*, phone: str, now: datetime | None = None) -> PhoneCode:
    """Send a new code to a mobile number (E.164) through the outbox; refuse past the number's share."""
    now = now or timezone.now()
    code = f"{secrets.randbelow(10**6):06d}"
    minutes = settings.PHONE_CODE_MINUTES
    row = _code_create(phone=phone, code=code, now=now)
    with translation.override("fr"):
        body = _(
            "Continuité: your code is %(code)s. It is valid %(minutes)s minutes. Never give it to "
            "anyone."
        ) % {"code": code, "minutes": minutes}
    message_enqueue(
        channel=Message.Channel.SMS, to=phone, body=body, dedup_key=f"phone-code:{row.pk}"
    )
    return row


def phone_code_check(*, phone: str, code: str, now: datetime | None = None) -> datetime:
    """Check the code last sent to this number: its verification time, or a French refusal.

    A wrong code uses one try even though the refusal is raised (the count is committed first).
    """
    now = now or timezone.now()
    code = "".join(code.split())
    with transaction.atomic():
        # Only the last code sent counts: asking for a new one retires the earlier ones.
        row = (
            PhoneCode.objects.select_for_update().filter(phone=phone).order_by("-sequence").first()
        )
        if row is None or row.verified_at is not None or row.expires_at <= now:
            refusal = _("This code has expired. Ask for a new code.")
        elif row.attempts >= settings.PHONE_CODE_ATTEMPTS:
            refusal = _("Too many wrong codes. Ask for a new code.")
        else:
            row.attempts += 1
            if constant_time_compare(row.code_hash, code_hash(phone, code)):
                row.verified_at = now
                row.save(update_fields=["attempts", "verified_at"])
                return now
            row.save(update_fields=["attempts"])
            left = settings.PHONE_CODE_ATTEMPTS - row.attempts
            refusal = (
                ngettext(
                    "This code is not the one we sent. %(left)s try left.",
                    "This code is not the one we sent. %(left)s tries left.",
                    left,
                )
                % {"left": left}
                if left
                else _("Too many wrong codes. Ask for a new code.")
            )
    raise ValidationError({"code": refusal})


@dataclass
class Proof:
    """A phone proven in this session, and when."""

    phone: str
    verified_at: datetime


def proof_in_session(session, phone: str, now: datetime) -> Proof | None:
    """The proof of this number kept in the session, while it lasts (PHONE_VERIFIED_MINUTES)."""
    stamp = session.get(SESSION_KEY, {}).get(phone)
    if stamp is None:
        return None
    verified_at = datetime.fromisoformat(stamp)
    if now - verified_at > timedelta(minutes=settings.PHONE_VERIFIED_MINUTES):
        return None
    return Proof(phone, verified_at)


def proof_remember(session, phone: str, verified_at: datetime) -> None:
    """Keep the proof of this number in the session (older proofs are dropped)."""
    keep = timedelta(minutes=settings.PHONE_VERIFIED_MINUTES)
    proofs = {
        number: stamp
        for number, stamp in session.get(SESSION_KEY, {}).items()
        if verified_at - datetime.fromisoformat(stamp) <= keep
    }
    proofs[phone] = verified_at.isoformat()
    session[SESSION_KEY] = proofs


# Codes are kept a day (the per-number count needs a quarter of an hour), then deleted: they
# name a phone number.
CODES_KEPT = timedelta(days=1)


def phone_codes_purge(*, now: datetime | None = None) -> int:
    """Delete the codes sent more than a day ago; how many."""
    now = now or timezone.now()
    deleted, _by_model = PhoneCode.objects.filter(created_at__lt=now - CODES_KEPT).delete()
    return deleted
