from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtocolConfig(AppConfig):
    name = "continuite.protocol"
    verbose_name = _("Health protocol and closures")

    def ready(self):
        from continuite.appointments.signals import capacity_dropped, slots_synced

        from .rehoming import run_requested
        from .tasks import rehome_after_capacity_drop, start_requested_run, start_runs_after_sync

        capacity_dropped.connect(
            rehome_after_capacity_drop, dispatch_uid="protocol.rehome_after_capacity_drop"
        )
        run_requested.connect(start_requested_run, dispatch_uid="protocol.start_requested_run")
        slots_synced.connect(start_runs_after_sync, dispatch_uid="protocol.start_runs_after_sync")
