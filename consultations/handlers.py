"""How other apps see participation pages: comment targets, live topics and satisfaction ratings."""

from .models import ConsultationPage, DialoguePage, InformationPage, PartnershipPage, Phase


def register():
    from .services import consultation, dialogue, information, partnership

    for level in (information, consultation, dialogue, partnership):
        level.register_targets()


def can_rate_participation(user, page, browser_session=None):
    """Anyone who may take part rates a participation page once, after it closes."""
    from django.utils.translation import gettext as _

    from meydan.accounts.rules import account_refusal

    refusal = account_refusal(user)
    if refusal:
        return False, refusal[1]
    if page.phase() not in (Phase.CLOSED, Phase.REPORTED):
        return False, _("You can rate it after it closes.")
    return True, None


def register_satisfaction():
    from desk import satisfaction

    for model in (InformationPage, ConsultationPage, DialoguePage, PartnershipPage):
        satisfaction.register(model, can_rate_participation)
