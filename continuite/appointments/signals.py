"""Events of appointments that the apps above listen to (dependencies point down)."""

from django.dispatch import Signal

# Sent after commit when a slot sync left a service point's slots with fewer seats than
# bookings (service_point_id=...): the protocol app rehomes the appointments in excess.
capacity_dropped = Signal()

# Sent when a queued slot sync has brought a service point's slots in line with its openings
# (service_point_id=...): the protocol app starts the rehoming runs that waited for it.
slots_synced = Signal()
