"""Background jobs of appointments; the periodic ones are scheduled in settings.CELERY_BEAT_SCHEDULE."""

from datetime import timedelta

from celery import shared_task
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from continuite.service_points.models import ServicePoint

from .high_demand import high_demand_detect
from .lottery import lottery_draws_due
from .messages import appointment_notify
from .models import Appointment, OpeningRange, Slot
from .signals import slots_synced
from .slots import release_threshold, slots_sync
from .verification import phone_codes_purge


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def sync_slots(service_point_id: int) -> int:
    """Recompute one service point's slots over the horizon; safe to run twice."""
    point = ServicePoint.objects.filter(pk=service_point_id).first()
    if point is None:
        return 0
    report = slots_sync(service_point=point)
    slots_synced.send(sender=Slot, service_point_id=service_point_id)
    return report.created + report.updated + report.removed


def queue_slot_sync(sender=None, *, service_point_id: int, **kwargs) -> None:
    """Ranges, protocol or exceptions changed: recompute that service point's slots after commit."""
    transaction.on_commit(lambda: sync_slots.delay(service_point_id))


@shared_task
def sync_all_slots() -> int:
    """Daily: roll every service point taking appointments one day further."""
    ranges = OpeningRange.objects.filter(service_point=OuterRef("pk"))
    ids = list(ServicePoint.objects.filter(Exists(ranges)).values_list("pk", flat=True))
    for point_id in ids:
        sync_slots.delay(point_id)
    return len(ids)


@shared_task
def release_emergency_seats() -> int:
    """Seats held back for emergencies are offered to everyone the day before."""
    return Slot.objects.filter(
        starts_at__gt=timezone.now(),
        starts_at__lt=release_threshold(timezone.now()),
        held_for_emergencies__gt=0,
    ).update(held_for_emergencies=0)


@shared_task
def send_reminders() -> int:
    """Reminders 48 hours ahead; each appointment's reminder is written once (outbox dedup key)."""
    now = timezone.now()
    due = Appointment.objects.filter(
        status__in=Appointment.ACTIVE,
        starts_at__gt=now + timedelta(hours=47),
        starts_at__lte=now + timedelta(hours=48),
    ).select_related("service_point", "reason")
    count = 0
    for appointment in due:
        appointment_notify(appointment=appointment, kind="reminder")
        count += 1
    return count


@shared_task
def run_lottery_draws() -> int:
    """Hourly: run the draws whose day has come, in each service point's time zone."""
    return lottery_draws_due()


@shared_task
def detect_high_demand() -> int:
    """Every minute: reasons whose freshly released seats went within minutes ask for a code."""
    return len(high_demand_detect())


@shared_task
def purge_phone_codes() -> int:
    """Daily: codes sent to phones more than a day ago are deleted (they name a number)."""
    return phone_codes_purge()
