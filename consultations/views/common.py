"""What every participation view shares: the page header's context and how refusals are answered."""

from django.contrib import messages
from django.http import Http404
from django.template.response import TemplateResponse

from meydan.accounts.rules import MODERATION_ROLES, has_org_role

from ..models import ParticipationPage
from ..rules import is_page_staff
from ..services import STATUS_FOR_CODE


def live_page(model, pk):
    """The published page of type `model` with id `pk`, or 404: writes never reach drafts."""
    page = model.objects.live().filter(pk=pk).select_related("municipality", "responsible").first()
    if page is None:
        raise Http404
    return page


def page_context(request, page, **extra):
    """The header every level shows (summary, dates, phase, responsible, timeline, documents)."""
    user = request.user
    is_staff = is_page_staff(user, page)
    return {
        "page": page,
        "phase": page.phase(),
        "is_staff": is_staff,
        # Staff always moderate; only others need the (further) moderation-role lookup.
        "can_moderate": is_staff or has_org_role(user, page.municipality, MODERATION_ROLES),
        "phases": list(page.phases.all()),
        "tags": list(page.tags.all()),
        **extra,
    }


def render_refusal(request, refused, template, context):
    """The page again with the message, under the status that fits the refusal; input stays in the forms."""
    messages.error(request, refused.message)
    return TemplateResponse(request, template, context, status=STATUS_FOR_CODE.get(refused.code, 400))


def participation_pages():
    return ParticipationPage.objects.live().public()
