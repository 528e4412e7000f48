from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AppointmentsConfig(AppConfig):
    name = "continuite.appointments"
    verbose_name = _("Appointments")

    def ready(self):
        from continuite.service_points.signals import opening_changed

        from .tasks import queue_slot_sync

        opening_changed.connect(queue_slot_sync, dispatch_uid="appointments.queue_slot_sync")
