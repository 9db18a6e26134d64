"""The staff's "Four R" inbox: one queue across apps (Review, Respond, Record, Redirect).

Each app registers a source from its AppConfig.ready()::

    from desk import inbox

    inbox.register(MySource())

A source has a `key`, a `label`, `kinds()` (the types it offers in the type filter) and
`fetch(user, filters, limit)`, which returns `(total, items)`: how many items match for `user` and
the first `limit` of them in inbox order (due date first, undated last). The inbox merges the
sources and cuts the page, so each source costs a fixed number of queries per page, however many
items exist.

A source may also have `complete(items)`. Its `fetch` then returns bare items (`source`,
`created_at`, `due_at` and `ref`: enough to merge and cut the page), and the inbox calls `complete`
with those of them that are on the page; it returns them filled in, in the same order (None for
one that no longer exists). Page 10 then loads 25 of a source's items, not 250.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from django.utils import timezone

FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
ACTIONS = ("review", "respond", "record", "redirect")


@dataclass(frozen=True)
class Filters:
    department: int | None = None  # organisation id
    kind: str = ""  # "<source key>:<kind>" or "" for all
    due: str = ""  # "", "overdue", "week"
    assignee: str = ""  # "", "me", "none" or a user id as text

    def due_before(self):
        if self.due == "overdue":
            return timezone.now()
        if self.due == "week":
            return timezone.now() + timedelta(days=7)
        return None

    def kind_for(self, source_key):
        """The kind asked of `source_key`: None when the filter excludes the source, "" for all."""
        if not self.kind:
            return ""
        source, _sep, kind = self.kind.partition(":")
        return kind if source == source_key else None


@dataclass
class Item:
    source: str
    kind: str
    kind_label: str
    title: str
    url: str
    status_label: str
    created_at: datetime
    due_at: datetime | None = None
    department: object = None  # an Organisation or None
    assignee: object = None  # a User or None
    overdue: bool = False
    # The four R: a URL per action, or missing when the action does not apply to this item.
    actions: dict = field(default_factory=dict)
    # Set for items that can be assigned and bulk-redirected (desk requests): their primary key.
    ref: int | None = None

    @property
    def sort_key(self):
        return (self.due_at or FAR_FUTURE, self.created_at)

    def action_list(self):
        return [(name, self.actions.get(name)) for name in ACTIONS]


_sources = {}


def register(source):
    _sources[source.key] = source


def unregister(key):
    _sources.pop(key, None)


def sources():
    return list(_sources.values())


def kind_choices():
    choices = []
    for source in sources():
        choices += [(f"{source.key}:{value}", label) for value, label in source.kinds()]
    return choices


def collect(user, filters, page, per_page):
    """(total, items of `page`) merged across the sources. A page past the end gives the last page
    (as Paginator.get_page does): with fewer items than `limit`, the sources returned them all."""
    limit = page * per_page
    total, merged = 0, []
    for source in sources():
        count, items = source.fetch(user, filters, limit)
        total += count
        merged += items
    merged.sort(key=lambda item: item.sort_key)
    page = min(page, max(1, -(-total // per_page)))
    return total, _completed(merged[(page - 1) * per_page : page * per_page])


def _completed(items):
    """`items` with the bare ones filled in by their sources' `complete` (one call per source)."""
    items = list(items)
    for source in sources():
        complete = getattr(source, "complete", None)
        positions = [n for n, item in enumerate(items) if item.source == source.key]
        if complete is None or not positions:
            continue
        for n, item in zip(positions, complete([items[n] for n in positions]), strict=True):
            items[n] = item
    return [item for item in items if item is not None]
