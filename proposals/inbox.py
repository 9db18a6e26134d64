"""Proposals that reached their threshold and await an official answer, in the desk's staff inbox."""

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import Proposal


class AwaitingAnswerSource:
    key = "proposals"
    label = _("Proposals")

    def kinds(self):
        return [("awaiting", _("Proposal awaiting an answer"))]

    def _queryset(self, user, filters):
        from desk.rules import staff_organisation_ids

        if filters.kind_for(self.key) is None or filters.assignee not in ("", "none"):
            return Proposal.objects.none()
        proposals = Proposal.objects.filter(
            threshold_reached_at__isnull=False, answered_at__isnull=True, state__in=Proposal.OPEN_STATES
        )
        org_ids = staff_organisation_ids(user)
        if org_ids is not None:
            if not org_ids:
                return Proposal.objects.none()
            proposals = proposals.filter(Q(space__municipality_id__in=org_ids) | Q(category__department_id__in=org_ids))
        if filters.department:
            proposals = proposals.filter(category__department_id=filters.department)
        before = filters.due_before()
        if before is not None:
            proposals = proposals.filter(answer_due__lt=timezone.localtime(before).date())
        return proposals

    def fetch(self, user, filters, limit):
        from desk.inbox import Item

        proposals = self._queryset(user, filters)
        total = proposals.count()
        rows = proposals.select_related("category__department").order_by("answer_due", "pk")[:limit] if total else []
        items = []
        for proposal in rows:
            url = proposal.get_absolute_url()
            due = (
                timezone.make_aware(timezone.datetime.combine(proposal.answer_due, timezone.datetime.min.time()))
                if proposal.answer_due
                else None
            )
            items.append(
                Item(
                    source=self.key,
                    kind="awaiting",
                    kind_label=str(_("Proposal")),
                    title=proposal.title,
                    url=url,
                    status_label=proposal.get_state_display(),
                    created_at=proposal.threshold_reached_at,
                    due_at=due,
                    department=proposal.category.department if proposal.category_id else None,
                    overdue=proposal.answer_overdue,
                    actions={
                        "review": url,
                        "respond": f"{url}#answer-form-title",
                        "record": reverse("proposals:awaiting"),
                    },
                )
            )
        return total, items


def register():
    from desk import inbox

    inbox.register(AwaitingAnswerSource())
