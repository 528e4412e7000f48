"""Writes on agents' accounts: invitations, second-factor enrolment, roles, deactivation."""

import hashlib
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .audit import audit_record
from .models import Invitation, Role, User

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


def agent_invite(
    *,
    actor: User,
    email: str,
    first_name: str,
    last_name: str,
    kind: str,
    service_point=None,
    network=None,
    departement=None,
) -> Role:
    """Give an agent a role (a site, or a network in a département); new accounts get an invitation."""
    email = email.strip().lower()
    with transaction.atomic():
        user = (
            User.objects.select_for_update()
            .filter(Q(username=email) | Q(email__iexact=email))
            .first()
        )
        if user is None:
            user = User(username=email, email=email, first_name=first_name, last_name=last_name)
            user.set_unusable_password()
            user.save()
        elif not user.is_active and (user.is_staff or user.is_superuser or user.roles.exists()):
            # Closed by an administrator, not by a manager's deactivation (which leaves no role).
            raise ValidationError(
                {"email": _("This account was closed by an administrator: ask them to reopen it.")}
            )
        role, _created = Role.objects.get_or_create(
            user=user,
            kind=kind,
            service_point=service_point,
            network=network,
            departement=departement,
        )
        audit_record(
            actor=actor,
            action="role_grant",
            target=user,
            kind=kind,
            service_point=role.service_point_id,
            network=role.network_id,
            departement=role.departement_id,
        )
        if not user.is_active or not user.has_usable_password():
            # A deactivated account comes back only through a new invitation (new password,
            # new authenticator), never with its old password.
            user.is_active = True
            user.set_unusable_password()
            user.save(update_fields=["is_active", "password"])
            invitation_send(user=user, invited_by=actor)
    return role


def role_remove(*, actor: User, role: Role) -> None:
    """Take a role away (the account stays, with its other roles)."""
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="role_remove",
            target=role.user,
            kind=role.kind,
            service_point=role.service_point_id,
            network=role.network_id,
            departement=role.departement_id,
        )
        role.delete()


def role_change_kind(*, actor: User, role: Role, kind: str) -> Role:
    """Make an agent of a site its manager, or the reverse."""
    with transaction.atomic():
        new_role, _created = Role.objects.get_or_create(
            user=role.user, kind=kind, service_point=role.service_point
        )
        if new_role.pk != role.pk:
            audit_record(
                actor=actor,
                action="role_change",
                target=role.user,
                before=role.kind,
                after=kind,
                service_point=role.service_point_id,
            )
            role.delete()
    return new_role


def agent_deactivate(*, actor: User, user: User, staffable_points) -> bool:
    """Close an account whose roles are all within the actor's scope; False (nothing done) if not.

    staffable_points: the service points the actor manages the agents of.
    """
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=user.pk)
        roles = user.roles.all()
        outside = roles.exclude(kind__in=Role.POINT_KINDS, service_point__in=staffable_points)
        if user.pk == actor.pk or user.is_superuser or outside.exists():
            return False
        audit_record(
            actor=actor,
            action="agent_deactivate",
            target=user,
            roles=[str(role) for role in roles.select_related("service_point")],
        )
        roles.delete()
        Invitation.objects.filter(user=user).usable_at(timezone.now()).update(
            used_at=timezone.now()
        )
        user.is_active = False
        user.save(update_fields=["is_active"])
    return True
