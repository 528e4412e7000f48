"""The audit log of one register, as its controllers read it: every entry about the register or
one of its records (reads, lists, registrations, changes, ends, purges, shared plans, requests
between social action centres, exports), filtered."""

from datetime import date, datetime, time, timedelta

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from continuite.accounts.models import AuditLog

from .models import ReadReason, Register, RegisteredPerson

# What each audited action of the register means, in the controller's words.
ACTIONS = {
    "outreach.person.read": _("Consultation of a record"),
    "outreach.register.consult": _("Consultation of the register's list"),
    "outreach.register.read": _("List of the register viewed"),
    "outreach.calls.read": _("Call list viewed"),
    "outreach.person.register": _("Registration"),
    "outreach.person.update": _("Record changed"),
    "outreach.person.acknowledge": _("Acknowledgment of a request"),
    "outreach.person.withdrawn": _("Withdrawal"),
    "outreach.person.deceased": _("Death"),
    "outreach.person.moved": _("Move"),
    "outreach.call_plan.share": _("Call plan shared"),
    "outreach.purge": _("Purge of ended registrations"),
    "outreach.match_request.send": _("Request sent to another social action centre"),
    "outreach.match_request.answer": _("Request of another social action centre answered"),
    "outreach.audit.export": _("Audit log exported"),
}
AUDIT_EXPORT_ACTION = "outreach.audit.export"
_PERSON_TYPE = RegisteredPerson._meta.label_lower


def register_entries(register: Register):
    """The audit entries of the register and of its records, the latest first."""
    return AuditLog.objects.filter(
        Q(details__register=register.pk)
        | Q(details__to_register=register.pk)
        | Q(details__from_register=register.pk)
        | Q(target_type=Register._meta.label_lower, target_id=str(register.pk))
    ).select_related("actor")


def entries_filtered(
    entries,
    *,
    start_on: date | None = None,
    end_on: date | None = None,
    agent: str = "",
    person: int | None = None,
    action: str = "",
):
    """Entries between two days (inclusive, local time), by an agent (login or name), about a
    record (its reference), of one action."""
    if start_on:
        entries = entries.filter(
            occurred_at__gte=timezone.make_aware(datetime.combine(start_on, time.min))
        )
    if end_on:
        after = end_on + timedelta(days=1)
        entries = entries.filter(
            occurred_at__lt=timezone.make_aware(datetime.combine(after, time.min))
        )
    for word in agent.split():
        entries = entries.filter(
            Q(actor__username__icontains=word)
            | Q(actor__first_name__icontains=word)
            | Q(actor__last_name__icontains=word)
        )
    if person:
        entries = entries.filter(
            Q(target_type=_PERSON_TYPE, target_id=str(person)) | Q(details__person=person)
        )
    if action:
        entries = entries.filter(action=action)
    return entries


def describe(entry: AuditLog) -> dict:
    """One entry as the page and the export show it: no name of a registered person, only
    record references."""
    details = entry.details or {}
    person = ""
    if entry.target_type == _PERSON_TYPE:
        person = entry.target_id
    elif details.get("person"):
        person = str(details["person"])
    reason = details.get("reason", "")
    listed = details.get("people")
    return {
        "at": timezone.localtime(entry.occurred_at),
        "agent": (entry.actor.username if entry.actor else "") or "",
        "agent_name": str(entry.actor) if entry.actor else _("the system"),
        "action": str(ACTIONS.get(entry.action, entry.action)),
        "person": person,
        "reason": str(ReadReason(reason).label) if reason in ReadReason.values else "",
        "note": details.get("note", "") or details.get("search", ""),
        "people": ", ".join(str(pk) for pk in listed) if isinstance(listed, list) else "",
    }
