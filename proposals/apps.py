from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProposalsConfig(AppConfig):
    name = "proposals"
    verbose_name = _("Proposals")

    def ready(self):
        from live import topics

        from .handlers import can_follow_proposal

        topics.register("proposal", can_follow_proposal)
