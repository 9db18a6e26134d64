"""The desk's own requests as an inbox source."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from .inbox import Item
from .models import OPEN_STATUSES, Kind, Request, Status
from .rules import administered_municipality_ids, staff_organisation_ids

INBOX_STATUSES = (*OPEN_STATUSES, Status.ANSWERED)


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


class DeskSource:
    key = "desk"
    label = _("Requests")

    def kinds(self):
        return Kind.choices

    def queryset(self, user, filters):
        kind = filters.kind_for(self.key)
        if kind is None:
            return Request.objects.none()
        requests = handled_requests(user).filter(status__in=INBOX_STATUSES)
        if kind:
            requests = requests.filter(kind=kind)
        if filters.department:
            requests = requests.filter(department_id=filters.department)
        before = filters.due_before()
        if before is not None:
            requests = requests.filter(due_at__lt=before, status__in=OPEN_STATUSES)
        if filters.assignee == "me":
            requests = requests.filter(assignee=user)
        elif filters.assignee == "none":
            requests = requests.filter(assignee__isnull=True)
        elif filters.assignee.isdigit():
            requests = requests.filter(assignee_id=int(filters.assignee))
        return requests

    def fetch(self, user, filters, limit):
        requests = self.queryset(user, filters)
        total = requests.count()
        if not total:
            return 0, []
        rows = requests.select_related("topic", "department", "assignee").order_by("due_at", "created_at", "pk")
        return total, [self.item(request) for request in rows[:limit]]

    def item(self, request):
        url = request.get_absolute_url()
        return Item(
            source=self.key,
            kind=request.kind,
            kind_label=request.get_kind_display(),
            title=f"{request.tracking_code} · {request.topic.name}",
            url=url,
            status_label=request.get_status_display(),
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
