"""The counter's queue: walk-ins, vulnerable people and emergencies, numbered per local day."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.service_points.models import ServicePoint

from .models import QueueTicket, Reason


def service_day(service_point: ServicePoint, now: datetime | None = None) -> date:
    """The local date at the service point: tickets are numbered again from 1 each day."""
    return service_point.local_now(now).date()


@transaction.atomic
def queue_ticket_add(
    *,
    service_point: ServicePoint,
    priority: int,
    label: str = "",
    reason: Reason | None = None,
    agent,
) -> QueueTicket:
    """Give the next ticket number of the day to a person arriving at the counter.

    The service point's row is locked while the number is chosen, so two agents adding a ticket
    at the same instant get two numbers that follow each other.
    """
    if priority not in QueueTicket.Priority.values:
        raise ValidationError({"priority": _("Unknown priority.")})
    if reason is not None and (
        reason.network_id != service_point.network_id or not reason.is_active
    ):
        raise ValidationError({"reason": _("This reason is not offered at this service point.")})
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    day = service_day(service_point)
    last = (
        QueueTicket.objects.filter(service_point=service_point, issued_on=day)
        .order_by("-number")
        .values_list("number", flat=True)
        .first()
    )
    return QueueTicket.objects.create(
        service_point=service_point,
        issued_on=day,
        number=(last or 0) + 1,
        priority=priority,
        label=" ".join(label.split())[:150],
        reason=reason,
        registered_by=agent if agent is not None and agent.is_authenticated else None,
    )


@transaction.atomic
def queue_ticket_close(*, ticket: QueueTicket, status: str, agent) -> QueueTicket:
    """Mark a waiting ticket served or gone, with the time; a closed ticket stays closed."""
    if status not in (QueueTicket.Status.SERVED, QueueTicket.Status.GONE):
        raise ValidationError({"status": _("A ticket is closed as served or gone.")})
    ticket = QueueTicket.objects.select_for_update().get(pk=ticket.pk)
    if ticket.status != QueueTicket.Status.WAITING:
        raise ValidationError(_("Ticket %(number)s is already closed.") % {"number": ticket.number})
    ticket.status, ticket.served_at = status, timezone.now()
    ticket.save(update_fields=["status", "served_at"])
    # The ticket only keeps who registered it: who closed it goes to the audit log.
    audit_record(actor=agent, action="queue_ticket.closed", target=ticket, status=status)
    return ticket


@dataclass(frozen=True)
class QueueToday:
    day: date
    waiting: list[QueueTicket]
    served: int
    gone: int
    average_wait: timedelta | None


def queue_today(service_point: ServicePoint, now: datetime | None = None) -> QueueToday:
    """The day's waiting list in the order people are called, and the day's figures (2 queries)."""
    day = service_day(service_point, now)
    tickets = QueueTicket.objects.filter(service_point=service_point, issued_on=day)
    waiting = list(
        tickets.filter(status=QueueTicket.Status.WAITING)
        .select_related("reason")
        .order_by("priority", "arrived_at", "id")
    )
    served = Q(status=QueueTicket.Status.SERVED)
    figures = tickets.aggregate(
        served=Count("id", filter=served),
        gone=Count("id", filter=Q(status=QueueTicket.Status.GONE)),
        average_wait=Avg(
            ExpressionWrapper(F("served_at") - F("arrived_at"), output_field=DurationField()),
            filter=served,
        ),
    )
    return QueueToday(day=day, waiting=waiting, **figures)
