"""Writes on agents' accounts: invitations, second-factor enrolment, roles, deactivation."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import Invitation, User

RECOVERY_CODE_COUNT = 10


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invitation_by_token(token: str, *, at: datetime | None = None) -> Invitation | None:
    """The usable invitation behind a link's secret, or None (unknown, used, replaced, expired)."""
    return (
        Invitation.objects.usable_at(at or timezone.now())
        .select_related("user")
        .filter(token_hash=token_digest(token), user__is_active=True)
        .first()
    )


def invitation_send(*, user: User, invited_by: User | None, now: datetime | None = None) -> str:
    """Replace the agent's open invitations with a new one, email its link; return the link."""
    now = now or timezone.now()
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        Invitation.objects.filter(user=user).usable_at(now).update(used_at=now)
        invitation = Invitation.objects.create(
            user=user,
            token_hash=token_digest(token),
            invited_by=invited_by,
            created_at=now,
            expires_at=now + timedelta(days=settings.INVITATION_VALIDITY_DAYS),
        )
        audit_record(actor=invited_by, action="invitation_send", target=user)
        link = settings.SITE_URL.rstrip("/") + reverse("accounts:invitation", args=[token])
        context = {
            "user": user,
            "link": link,
            "invited_by": invited_by,
            "expires_at": invitation.expires_at,
            "site_title": settings.SITE_TITLE,
        }
        subject = render_to_string("accounts/email/invitation_subject.txt", context).strip()
        body = render_to_string("accounts/email/invitation.txt", context)
        transaction.on_commit(
            lambda: send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [user.email])
        )
    return link


def invitation_accept(*, token: str, password: str, now: datetime | None = None) -> User | None:
    """Use an invitation once: set the agent's password. None if the link is no longer usable."""
    now = now or timezone.now()
    with transaction.atomic():
        invitation = (
            Invitation.objects.usable_at(now)
            .select_for_update()
            .filter(token_hash=token_digest(token), user__is_active=True)
            .first()
        )
        if invitation is None:
            return None
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        audit_record(actor=user, action="invitation_accept", target=user)
    return user


def second_factor_enrol(*, user: User, device: TOTPDevice) -> list[str]:
    """Confirm the authenticator just verified, replacing any other; return new recovery codes."""
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        StaticDevice.objects.filter(user=user).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        recovery = StaticDevice.objects.create(user=user, name="recovery", confirmed=True)
        codes = [StaticToken.random_token() for _index in range(RECOVERY_CODE_COUNT)]
        StaticToken.objects.bulk_create(StaticToken(device=recovery, token=code) for code in codes)
        audit_record(actor=user, action="second_factor_enrol", target=user)
    return codes
