from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiveConfig(AppConfig):
    name = "live"
    verbose_name = _("Live")

    def ready(self):
        from . import handlers

        handlers.register()
        handlers.register_satisfaction()
