from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProtocolConfig(AppConfig):
    name = "continuite.protocol"
    verbose_name = _("Health protocol and closures")

    def ready(self):
        from continuite.appointments.signals import capacity_dropped

        from .tasks import rehome_after_capacity_drop

        capacity_dropped.connect(
            rehome_after_capacity_drop, dispatch_uid="protocol.rehome_after_capacity_drop"
        )
