from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from .signals import suspension_declared


class CasesConfig(AppConfig):
    name = "continuite.cases"
    verbose_name = _("Cases and processing deadlines")

    def ready(self):
        # Models are loaded only now: the tasks module, which reads them, is imported here.
        from .tasks import queue_suspension_window

        suspension_declared.connect(
            queue_suspension_window, dispatch_uid="cases.queue_suspension_window"
        )
