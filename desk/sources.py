"""The desk's own requests as an inbox source."""

import re
from itertools import pairwise

from django.db.models import F, Q
from django.db.models.lookups import In
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .inbox import FAR_FUTURE, Item
from .models import INBOX_STATUSES, OPEN_STATUSES, Kind, Request, Status
from .rules import administered_municipality_ids, staff_organisation_ids

__all__ = ["INBOX_STATUSES", "DeskSource", "handled_requests", "in_inbox", "inbox_scopes", "inbox_url"]

INBOX_ORDER = ("due_at", "created_at", "pk")
_CHOICE_VALUE = re.compile(r"[a-z_]+")


class _InLiterals(In):
    """``column IN ('a', 'b')`` with the values written into the SQL instead of bound as parameters.

    SQLite uses a partial index only when the query repeats the index's condition, and it chooses the
    plan before it sees bound values (PostgreSQL's generic plans are alike). Only for constant choice
    values: anything else is refused, so no outside text can reach the SQL."""

    def process_rhs(self, compiler, connection):
        values = [str(value) for value in self.rhs]
        if not values or not all(_CHOICE_VALUE.fullmatch(value) for value in values):
            raise ValueError("_InLiterals takes choice values only")
        return "(" + ", ".join(f"'{value}'" for value in values) + ")", ()


def in_inbox():
    """The filter ``status IN INBOX_STATUSES`` exactly as the partial index desk_request_muni_inbox
    states it (same values, same order), so that both databases use that index."""
    return _InLiterals(F("status"), [status.value for status in INBOX_STATUSES])


def handled_requests(user):
    """Requests `user` may handle, whatever their status (one subquery, no per-row checks)."""
    org_ids = staff_organisation_ids(user)
    requests = Request.objects.exclude(status=Status.UNCONFIRMED)
    if org_ids is None:
        return requests
    admin_of = administered_municipality_ids(user)
    if not org_ids and not admin_of:
        return requests.none()
    # Municipality admins also see requests sent on to other organisations, as can_handle allows.
    return requests.filter(Q(department_id__in=org_ids) | Q(municipality_id__in=admin_of))


def _outside(field, ids):
    """`field NOT IN ids` for a non-null column, written as the ranges between the sorted ids: an index
    seeks ranges, while a NOT IN is a filter the database applies to every row it reads."""
    ids = sorted(ids)
    outside = Q(**{f"{field}__lt": ids[0]}) | Q(**{f"{field}__gt": ids[-1]})
    for low, high in pairwise(ids):
        outside |= Q(**{f"{field}__gt": low, f"{field}__lt": high})
    return outside


def inbox_scopes(user):
    """The requests in `user`'s inbox as disjoint querysets whose union is exactly
    ``handled_requests(user).filter(status__in=INBOX_STATUSES)``:

    1. the requests of the municipalities `user` administers, wherever they were sent on
       (index ``desk_request_muni_inbox``, already in inbox order);
    2. the requests handled by the organisations `user` works for that belong to no municipality
       `user` administers, e.g. sent on to this municipality by another one (for department staff:
       all their requests; index ``desk_request_dept_status_muni``).

    One ``department IN (...) OR municipality IN (...)`` filter could use neither index: the database
    read and sorted every open request of the municipality for each page of a municipality admin.
    """
    org_ids = staff_organisation_ids(user)
    # The partial index's condition and nothing else about status ("not unconfirmed" is implied).
    requests = Request.objects.filter(in_inbox())
    if org_ids is None:
        return [requests]
    admin_of = administered_municipality_ids(user)
    scopes = []
    if admin_of:
        scopes.append(requests.filter(municipality_id__in=admin_of))
    if org_ids:
        handled = requests.filter(department_id__in=org_ids)
        scopes.append(handled.filter(_outside("municipality_id", admin_of)) if admin_of else handled)
    return scopes


class DeskSource:
    key = "desk"
    label = _("Requests")

    def kinds(self):
        return Kind.choices

    def querysets(self, user, filters):
        """The disjoint parts of `user`'s inbox (see inbox_scopes) narrowed to `filters`."""
        kind = filters.kind_for(self.key)
        if kind is None:
            return []
        before = filters.due_before()
        narrowed = []
        for requests in inbox_scopes(user):
            if kind:
                requests = requests.filter(kind=kind)
            if filters.department:
                requests = requests.filter(department_id=filters.department)
            if before is not None:
                requests = requests.filter(due_at__lt=before, status__in=OPEN_STATUSES)
            if filters.assignee == "me":
                requests = requests.filter(assignee=user)
            elif filters.assignee == "none":
                requests = requests.filter(assignee__isnull=True)
            elif filters.assignee.isdigit():
                requests = requests.filter(assignee_id=int(filters.assignee))
            narrowed.append(requests)
        return narrowed

    def fetch(self, user, filters, limit):
        """Per part a count and, unless it is zero, the inbox order of its first `limit` requests read
        off an index (no join: with joins SQLite read every request by topic instead); returned as
        bare items, which `complete` fills in for the page."""
        parts = [(requests, requests.count()) for requests in self.querysets(user, filters)]
        total = sum(count for _requests, count in parts)
        keys = []
        for requests, count in parts:
            if count:
                keys += requests.order_by(*INBOX_ORDER).values_list(*INBOX_ORDER)[:limit]
        keys = sorted(keys, key=lambda key: (key[0] or FAR_FUTURE, *key[1:]))[:limit]
        return total, [self.bare_item(due_at, created_at, pk) for due_at, created_at, pk in keys]

    def bare_item(self, due_at, created_at, pk):
        return Item(
            source=self.key,
            kind="",
            kind_label="",
            title="",
            url="",
            status_label="",
            created_at=created_at,
            due_at=due_at,
            ref=pk,
        )

    def complete(self, items):
        """The requests of the page with their topic, department and assignee, in one query."""
        found = (
            Request.objects.select_related("topic", "department", "assignee")
            .order_by()
            .in_bulk([item.ref for item in items])
        )
        # Labels are looked up once per page: get_FOO_display() builds the choices anew for every call.
        labels = {
            "kind": {value: str(label) for value, label in Kind.choices},
            "status": {value: str(label) for value, label in Status.choices},
        }
        return [self.item(found[item.ref], labels) if item.ref in found else None for item in items]

    def item(self, request, labels):
        url = request.get_absolute_url()
        return Item(
            source=self.key,
            kind=request.kind,
            kind_label=labels["kind"].get(request.kind, request.kind),
            title=f"{request.tracking_code} · {request.topic.name}",
            url=url,
            status_label=labels["status"].get(request.status, request.status),
            created_at=request.created_at,
            due_at=request.due_at,
            department=request.department,
            assignee=request.assignee,
            overdue=request.is_overdue,
            actions={
                "review": url,
                "respond": f"{url}#respond",
                "record": f"{url}#record",
                "redirect": f"{url}#redirect",
            },
            ref=request.pk,
        )


def inbox_url():
    return reverse("desk:inbox")
