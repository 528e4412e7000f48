"""Consultations of a record of the register: the agent says why first (on a page showing no
identity), the audit entry is written then, and only then is the record shown, for a limited
time within the session so the agent is not asked at every click. Each new consultation is
audited; one consultation opens one record."""

from datetime import timedelta

from django.utils import timezone

from . import services
from .models import ReadReason, RegisteredPerson

# How long one consultation keeps a record open in the agent's session.
CONSULTATION_MINUTES = 30
SESSION_KEY = "outreach_consultations"


def consultation_reason(request, person: RegisteredPerson) -> str | None:
    """The reason of this agent's running consultation of the record, or None (ask it)."""
    entry = request.session.get(SESSION_KEY, {}).get(str(person.pk))
    if not entry or entry.get("user") != request.user.pk:
        return None
    if entry.get("until", 0) <= timezone.now().timestamp() or entry.get("reason") not in (
        ReadReason.values
    ):
        return None
    return entry["reason"]


def consultation_start(request, *, person: RegisteredPerson, reason: str, note: str = "") -> None:
    """Audit the consultation (who, whom, when, why), then open the record in the session."""
    now = timezone.now()
    until = now + timedelta(minutes=CONSULTATION_MINUTES)
    services.person_read(
        person=person, actor=request.user, reason=reason, note=note, until=until.isoformat()
    )
    running = {
        key: entry
        for key, entry in request.session.get(SESSION_KEY, {}).items()
        if entry.get("until", 0) > now.timestamp()
    }
    running[str(person.pk)] = {
        "user": request.user.pk,
        "reason": reason,
        "until": until.timestamp(),
    }
    request.session[SESSION_KEY] = running
