from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "continuite.core"
    verbose_name = _("Territory")

    def ready(self):
        from . import (
            checks,  # noqa: F401 (registers the deployment checks)
            converters,
        )

        converters.register()
