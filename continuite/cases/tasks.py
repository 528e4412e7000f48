"""Background jobs of cases: moving the deadlines a suspension window affects.

The daily sweep and the forecast live in sweep_tasks.py.
"""

from celery import shared_task
from django.db import OperationalError

from .models import SuspensionWindow
from .services import suspension_window_apply, waiting_deadlines_refresh


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def apply_suspension_window(window_id: int) -> int:
    """Move every deadline the window affects, in batches, with history; safe to run twice."""
    window = SuspensionWindow.objects.filter(pk=window_id).first()
    if window is None:
        return 0
    return suspension_window_apply(window=window)


def queue_suspension_window(sender=None, *, window_id: int, **kwargs) -> None:
    """A window was declared (after commit): move the deadlines it affects in the background."""
    apply_suspension_window.delay(window_id)


@shared_task(autoretry_for=(OperationalError,), retry_backoff=True, max_retries=5)
def refresh_waiting_deadlines() -> int:
    """Daily: the provisional deadlines of cases whose clock is stopped move to today."""
    return waiting_deadlines_refresh()
