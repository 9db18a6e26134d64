from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    verbose_name = _("Requests and complaints")

    def ready(self):
        from . import inbox, services, signals  # noqa: F401 - signals connect on import
        from .sources import DeskSource

        inbox.register(DeskSource())
        services.register_satisfaction()
