"""Use cases of the partnership level: a working group of member organisations. Its decision log,
milestones and joint statements are public (editors keep them in the Wagtail admin); the documents it
co-drafts are working documents, readable and commented only by the members of its member
organisations and by the page's staff."""

from django.utils.translation import gettext as _

from meydan.accounts.models import Membership

from ..models import CoDraft
from ..rules import can_moderate_page, is_page_staff, taking_part_refusal


def is_group_member(user, page):
    """Anyone holding any role in one of the working group's organisations."""
    if not user or not user.is_authenticated:
        return False
    return Membership.objects.filter(user=user, organisation__in=page.members.values("organisation")).exists()


def can_read_codraft(user, draft):
    page = draft.page
    if not page.live or not user or not user.is_authenticated:
        return False
    return is_group_member(user, page) or can_moderate_page(user, page)


def can_comment_codraft(user, draft):
    """(ok, message) for the comments app: members and staff, while the partnership is open."""
    page = draft.page
    refusal = taking_part_refusal(user, page)
    if refusal:
        return False, refusal[1]
    if not (is_group_member(user, page) or is_page_staff(user, page)):
        return False, _("Only members of the working group's organisations may comment on its documents.")
    return True, None


def register_targets():
    """Comment targets and live topics of this level (called from the app's ready())."""
    from comments import targets

    targets.register(
        CoDraft,
        can_comment=can_comment_codraft,
        can_moderate=lambda user, draft: bool(can_moderate_page(user, draft.page)),
        # Working documents are not public: no live topic, whose subscribers are not checked per event.
        topic=None,
        can_view=can_read_codraft,
        organisation_voice=True,
    )
