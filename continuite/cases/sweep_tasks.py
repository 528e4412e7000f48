"""Periodic job of the cases: the daily sweep (scheduled in settings.CELERY_BEAT_SCHEDULE).

Not a `tasks.py` module, so settings.CELERY_IMPORTS names it for the workers to register.
"""

from datetime import datetime

from celery import shared_task

from .sweep import daily_sweep


@shared_task(autoretry_for=(Exception,), retry_backoff=True, max_retries=5)
def cases_daily_sweep(now_iso: str | None = None) -> dict:
    """Silence outcomes due and the day's digests; safe to run twice (a second run adds nothing)."""
    now = datetime.fromisoformat(now_iso) if now_iso else None
    return daily_sweep(now=now).as_dict()
