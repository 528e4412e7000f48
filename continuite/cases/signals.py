"""Events of cases that its background jobs listen to, so services never import tasks."""

from django.dispatch import Signal

# Sent after commit when a suspension window is declared (window_id=...).
suspension_declared = Signal()
