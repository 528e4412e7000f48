"""Periodic jobs of the dashboard (scheduled in settings.CELERY_BEAT_SCHEDULE)."""

from datetime import datetime

from celery import shared_task
from django.utils import timezone

from .services import open_rate_snapshot_take


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def snapshot_open_rates(at_iso: str | None = None) -> int:
    """Snapshot the open rates at the given instant (ISO 8601) or now; safe to run twice."""
    at = datetime.fromisoformat(at_iso) if at_iso else timezone.now()
    return open_rate_snapshot_take(at=at)
