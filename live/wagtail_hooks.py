from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from wagtail import hooks

from .models import AgendaItem, CouncilIndexPage, CouncilSessionPage


@hooks.register("meydan_open_now")
def sessions_open_now(request, limit):
    """Live sessions, and those starting within a week, for the home page."""
    soon = timezone.now() + timedelta(days=7)
    sessions = (
        CouncilSessionPage.objects.live().public()
        .filter(status__in=[CouncilSessionPage.Status.LIVE, CouncilSessionPage.Status.SCHEDULED],
                scheduled_start__lte=soon)
        .order_by("-status", "scheduled_start")[:limit]
    )
    return [
        {"title": session.title, "url": session.url, "kind": session.get_status_display(),
         "closes_at": session.scheduled_end}
        for session in sessions
    ]


@hooks.register("meydan_seed_demo")
def seed_council_session(home, municipality):
    if CouncilIndexPage.objects.exists():
        return
    index = home.add_child(instance=CouncilIndexPage(title=_("Council sessions"), slug="meclis"))
    start = (timezone.now() + timedelta(days=1)).replace(hour=18, minute=0, second=0, microsecond=0)
    session = index.add_child(
        instance=CouncilSessionPage(
            title=_("Ordinary council session"), slug="olagan-meclis", municipality=municipality,
            summary=_("Budget amendments and the new neighbourhood park."),
            scheduled_start=start, scheduled_end=start + timedelta(hours=3),
        )
    )
    for position, title in enumerate([_("Opening and roll call"), _("Budget amendments"), _("Neighbourhood park")]):
        AgendaItem.objects.create(session=session, title=title, sort_order=position)
