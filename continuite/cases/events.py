"""The kinds of lines in a case's history (CaseEvent.kind), with their labels."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class EventKind(models.TextChoices):
    RECEIVED = "received", _("Received")
    ASSIGNED = "assigned", _("Assigned")
    STATUS_CHANGED = "status_changed", _("Status changed")
    CLOCK_STOPPED = "clock_stopped", _("Clock stopped")
    CLOCK_RESUMED = "clock_resumed", _("Clock resumed")
    TRANSFERRED = "transferred", _("Transferred")
    DEADLINE_MOVED = "deadline_moved", _("Deadline moved")
