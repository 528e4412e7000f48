"""Consultations of the register: the agent says why first (on a page showing no identity),
the audit entry is written then, and only then is the record, or the register's list of names,
shown, for a limited time within the session so the agent is not asked at every click. Each
new consultation is audited; one consultation opens one record, or one register's list."""

from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from . import services
from .models import ReadReason, Register, RegisteredPerson

# How long one consultation keeps a record, or a register's list, open in the session.
CONSULTATION_MINUTES = 30
SESSION_KEY = "outreach_consultations"
# The audit log action of the consultation of a register's list (with the reason).
REGISTER_CONSULT_ACTION = "outreach.register.consult"


def _key(target: Register | RegisteredPerson) -> str:
    return f"{target._meta.model_name}:{target.pk}"


def consultation_reason(request, target: Register | RegisteredPerson) -> str | None:
    """The reason of this agent's running consultation of the record or list, or None."""
    entry = request.session.get(SESSION_KEY, {}).get(_key(target))
    if not entry or entry.get("user") != request.user.pk:
        return None
    if entry.get("until", 0) <= timezone.now().timestamp() or entry.get("reason") not in (
        ReadReason.values
    ):
        return None
    return entry["reason"]


@transaction.atomic
def register_consult(*, register: Register, actor, reason: str, note: str = "", **details):
    """Log that an agent opened a register's list of names, and why."""
    services.read_record(
        actor, REGISTER_CONSULT_ACTION, register, register.pk, reason, note, **details
    )


def consultation_start(
    request, *, target: Register | RegisteredPerson, reason: str, note: str = ""
) -> None:
    """Audit the consultation (who, whom, when, why), then open it in the session."""
    now = timezone.now()
    until = now + timedelta(minutes=CONSULTATION_MINUTES)
    if isinstance(target, RegisteredPerson):
        services.person_read(
            person=target, actor=request.user, reason=reason, note=note, until=until.isoformat()
        )
    else:
        register_consult(
            register=target, actor=request.user, reason=reason, note=note, until=until.isoformat()
        )
    running = {
        key: entry
        for key, entry in request.session.get(SESSION_KEY, {}).items()
        if entry.get("until", 0) > now.timestamp()
    }
    running[_key(target)] = {"user": request.user.pk, "reason": reason, "until": until.timestamp()}
    request.session[SESSION_KEY] = running
