"""Moderation in the desk's "Four R" inbox: reported content and open appeals."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from . import queue


def _flag_item(entry):
    from desk.inbox import Item

    registration, flagged = entry.registration, entry.flagged
    url = registration.url_of(flagged.obj)
    content_type = registration.content_type()
    return Item(
        source=ModerationSource.key,
        kind="flagged",
        kind_label=str(_("Reported %(kind)s") % {"kind": registration.label}),
        title=" ".join(str(registration.excerpt(flagged.obj)).split())[:120],
        url=url,
        status_label=str(_("Open reports: %(count)d") % {"count": flagged.count}),
        created_at=flagged.first_at,
        actions={
            "review": url,
            "respond": reverse("moderation:hide", args=[content_type.pk, flagged.obj.pk]),
            "record": reverse("moderation:queue"),
        },
    )


def _appeal_item(appeal):
    from desk.inbox import Item

    url = reverse("moderation:appeal", args=[appeal.pk])
    return Item(
        source=ModerationSource.key,
        kind="appeal",
        kind_label=str(_("Appeal")),
        title=str(appeal.action.get_action_display()),
        url=url,
        status_label=str(appeal.get_status_display()),
        created_at=appeal.created_at,
        actions={"review": url, "respond": url},
    )


class ModerationSource:
    key = "moderation"
    label = _("Moderation")

    def kinds(self):
        return [("flagged", _("Reported content")), ("appeal", _("Appeal against moderation"))]

    def fetch(self, user, filters, limit):
        kind = filters.kind_for(self.key)
        # Moderation items belong to no department, have no due date and are not assigned.
        if kind is None or filters.department or filters.due or filters.assignee not in ("", "none"):
            return 0, []
        items = []
        if kind in ("", "flagged"):
            items += [_flag_item(entry) for entry in queue.flagged(user)]
        if kind in ("", "appeal"):
            items += [_appeal_item(appeal) for appeal in queue.open_appeals(user)]
        items.sort(key=lambda item: item.sort_key)
        return len(items), items[:limit]


def register():
    from desk import inbox

    inbox.register(ModerationSource())
