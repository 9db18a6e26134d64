"""The partnership level: the public page shows the working group, its milestones, its decision log
and its joint statements. Co-drafted documents have their own page, for the working group's members
and the page's staff only: they are drafts, not positions, so everyone else gets 404 there."""

from django.http import Http404
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone

from ..models import CoDraft, Milestone, PartnershipPage
from ..services import partnership as services
from .common import live_page, page_context

TEMPLATE = "consultations/partnership.html"


def partnership_page(request, page):
    context = page_context(request, page)
    user = request.user
    today = timezone.localdate()
    milestones = list(page.milestones.all())
    for milestone in milestones:
        milestone.overdue = milestone.status != Milestone.Status.DONE and milestone.due_on < today
    member = services.is_group_member(user, page)
    reader = member or context["can_moderate"]
    context.update(
        {
            "members": list(page.members.select_related("organisation")),
            "milestones": milestones,
            "decisions": list(page.decisions.prefetch_related("agreed", "objected")),
            "statements": list(page.statements.all()),
            "is_group_member": member,
            # The titles of working documents are for the group too: a title can say a lot.
            "drafts": list(page.drafts.all()) if reader else [],
            "draft_count": None if reader else page.drafts.count(),
        }
    )
    return TemplateResponse(request, TEMPLATE, context)


def codraft(request, pk):
    draft = CoDraft.objects.filter(pk=pk).first()
    if draft is None:
        raise Http404
    draft.page = live_page(PartnershipPage, draft.page_id)
    if not services.can_read_codraft(request.user, draft):
        raise Http404
    context = {"page": draft.page, "draft": draft, "phase": draft.page.phase()}
    return TemplateResponse(request, "consultations/partnership/codraft.html", context)


urlpatterns = [
    path("codraft/<int:pk>/", codraft, name="codraft"),
]
