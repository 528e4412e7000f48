"""Site managers' settings for appointments: opening ranges and the health protocol's numbers."""

from datetime import date, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from continuite.accounts.audit import audit_record
from continuite.service_points.models import ServicePoint

from .models import HealthProtocol, OpeningRange, Reason
from .tasks import queue_slot_sync


@transaction.atomic
def opening_range_add(
    *,
    service_point: ServicePoint,
    weekdays: list[int],
    opens_at: time,
    closes_at: time,
    starts_on: date,
    ends_on: date | None,
    slot_minutes: int,
    mode: str,
    agents_on_duty: int,
    reasons: list[Reason],
    actor,
) -> list[OpeningRange]:
    """Add a weekly range on each chosen weekday; refused if it overlaps a range of the same reception."""
    _check_range(
        service_point=service_point,
        opens_at=opens_at,
        closes_at=closes_at,
        starts_on=starts_on,
        ends_on=ends_on,
        slot_minutes=slot_minutes,
        agents_on_duty=agents_on_duty,
        reasons=reasons,
    )
    ServicePoint.objects.select_for_update().filter(pk=service_point.pk).first()
    created = []
    for weekday in weekdays:
        _refuse_overlap(
            service_point=service_point,
            weekday=weekday,
            mode=mode,
            opens_at=opens_at,
            closes_at=closes_at,
            starts_on=starts_on,
            ends_on=ends_on,
        )
        opening_range = OpeningRange.objects.create(
            service_point=service_point,
            weekday=weekday,
            opens_at=opens_at,
            closes_at=closes_at,
            starts_on=starts_on,
            ends_on=ends_on,
            slot_minutes=slot_minutes,
            mode=mode,
            agents_on_duty=agents_on_duty,
        )
        opening_range.reasons.set(reasons)
        created.append(opening_range)
    audit_record(
        actor=actor,
        action="appointments.ranges_added",
        target=service_point,
        ranges=[r.pk for r in created],
    )
    queue_slot_sync(service_point_id=service_point.pk)
    return created


def _check_range(
    *,
    service_point: ServicePoint,
    opens_at: time,
    closes_at: time,
    starts_on: date,
    ends_on: date | None,
    slot_minutes: int,
    agents_on_duty: int,
    reasons: list[Reason],
) -> None:
    """Refuse a range that is inconsistent on its own: hours, days, agents, reasons and slot length."""
    if closes_at <= opens_at:
        raise ValidationError({"closes_at": _("The range must end after it starts.")})
    if ends_on and ends_on < starts_on:
        raise ValidationError({"ends_on": _("The last day must not come before the first.")})
    if agents_on_duty < 1:
        raise ValidationError({"agents_on_duty": _("At least one agent must be on duty.")})
    if not reasons or any(r.network_id != service_point.network_id for r in reasons):
        raise ValidationError({"reasons": _("Choose the reasons served, among your network's.")})
    too_long = [r.label for r in reasons if r.duration_minutes > slot_minutes]
    if too_long:
        raise ValidationError(
            {
                "slot_minutes": _("Slots are shorter than these reasons need: %(reasons)s.")
                % {"reasons": ", ".join(too_long)}
            }
        )


def _refuse_overlap(
    *,
    service_point: ServicePoint,
    weekday: int,
    mode: str,
    opens_at: time,
    closes_at: time,
    starts_on: date,
    ends_on: date | None,
) -> None:
    """Refuse a range that overlaps, in hours and in days, a range still offered on that weekday."""
    clash = (
        OpeningRange.objects.filter(
            service_point=service_point,
            weekday=weekday,
            mode=mode,
            opens_at__lt=closes_at,
            closes_at__gt=opens_at,
        )
        .filter(ended_at__isnull=True)
        .exclude(ends_on__lt=starts_on)
        .first()
    )
    if clash and (ends_on is None or clash.starts_on <= ends_on):
        raise ValidationError(
            _("This range overlaps an existing one: %(range)s.") % {"range": clash}
        )


@transaction.atomic
def opening_range_end(*, opening_range: OpeningRange, actor) -> OpeningRange:
    """Stop offering a range: its future free slots go, booked ones are kept for rehoming."""
    if opening_range.ended_at is not None:
        raise ValidationError(_("This range has already ended."))
    opening_range.ended_at = timezone.now()
    opening_range.save(update_fields=["ended_at"])
    audit_record(
        actor=actor,
        action="appointments.range_ended",
        target=opening_range.service_point,
        range=opening_range.pk,
    )
    queue_slot_sync(service_point_id=opening_range.service_point_id)
    return opening_range


@transaction.atomic
def health_protocol_set(
    *,
    service_point: ServicePoint,
    max_people_present: int,
    buffer_minutes: int,
    emergency_share_percent: int,
    actor,
) -> HealthProtocol:
    """Set the protocol's numbers; slots are recomputed and bookings beyond them flagged, never dropped."""
    if max_people_present < 1:
        raise ValidationError(
            {"max_people_present": _("At least one person must be allowed in at once.")}
        )
    if not 0 <= emergency_share_percent <= 100:
        raise ValidationError({"emergency_share_percent": _("A share is between 0 and 100 %.")})
    if not 0 <= buffer_minutes <= 240:
        raise ValidationError({"buffer_minutes": _("Between 0 and 240 minutes.")})
    protocol, _created = HealthProtocol.objects.update_or_create(
        service_point=service_point,
        defaults={
            "max_people_present": max_people_present,
            "buffer_minutes": buffer_minutes,
            "emergency_share_percent": emergency_share_percent,
        },
    )
    audit_record(
        actor=actor,
        action="appointments.protocol_set",
        target=service_point,
        max_people_present=max_people_present,
        buffer_minutes=buffer_minutes,
        emergency_share_percent=emergency_share_percent,
    )
    queue_slot_sync(service_point_id=service_point.pk)
    return protocol
