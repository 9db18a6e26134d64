from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    name = "consultations"
    verbose_name = _("Consultations")

    def ready(self):
        from . import handlers, inbox, signals  # noqa: F401 - signals connect on import

        handlers.register()
        handlers.register_satisfaction()
        inbox.register()
