"""Events other apps listen to without service_points knowing them (dependencies point down)."""

from django.dispatch import Signal

# Sent after commit when a service point's days or hours of opening change (service_point_id=...).
opening_changed = Signal()
