"""Background jobs of the protocol app; the periodic one is scheduled in settings.CELERY_BEAT_SCHEDULE.

The jobs import the services, never the reverse: the services announce a run to start
(`rehoming.run_requested`) and the receivers here, connected in apps.ready, queue it.
"""

from celery import shared_task
from django.db import transaction
from django.utils import timezone

from continuite.service_points.models import ServicePoint

from .models import RehomingRun
from .rehoming import rehoming_request, rehoming_run, runs_to_resume, runs_waiting


@shared_task(acks_late=True, reject_on_worker_lost=True)
def run_rehoming(run_id: int) -> str:
    """Rehome a run's appointments to the end; safe to run twice or after a killed worker."""
    run = rehoming_run(run_id)
    return run.status if run is not None else "held elsewhere"


@shared_task
def resume_rehoming() -> int:
    """Every minute: take over the runs whose worker stopped (their lease has passed)."""
    ids = runs_to_resume(timezone.now())
    for run_id in ids:
        run_rehoming.delay(run_id)
    return len(ids)


def start_requested_run(sender=None, *, run_id: int, **kwargs) -> None:
    """A run was requested and committed: a worker carries it out."""
    run_rehoming.delay(run_id)


def start_runs_after_sync(sender=None, *, service_point_id: int, **kwargs) -> None:
    """A service point's slots were brought in line: its waiting runs (a closure's) start."""
    for run_id in runs_waiting(service_point_id):
        run_rehoming.delay(run_id)


def rehome_after_capacity_drop(sender=None, *, service_point_id: int, **kwargs) -> None:
    """A slot sync left fewer seats than bookings: rehome the appointments in excess."""
    point = ServicePoint.objects.filter(pk=service_point_id).first()
    if point is None:
        return
    with transaction.atomic():
        rehoming_request(service_point=point, trigger=RehomingRun.Trigger.CAPACITY)
