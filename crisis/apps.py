from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CrisisConfig(AppConfig):
    name = "crisis"
    verbose_name = _("Crisis mode")

    def ready(self):
        from wagtail.models import AbstractPage
        from wagtail.permissions import register_permission_policy

        # Until meydan.accounts imports its services at start-up, role changes are audited from here.
        import meydan.accounts.services  # noqa: F401
        from meydan import audit
        from meydan.notifications.services import register_email_hold

        from . import services, signals
        from .policy import CrisisPagePermissionPolicy

        audit.connect_guards()
        register_email_hold(services.is_active)
        signals.connect()
        register_permission_policy(AbstractPage, CrisisPagePermissionPolicy())
