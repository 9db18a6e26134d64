"""Who may do what on participation pages. Staff are the officials of the responsible department or of
the page's municipality; editors and the communications office act in the Wagtail admin only."""

import rules
from django.utils.translation import gettext as _

from meydan.accounts.rules import MODERATION_ROLES, STAFF_ROLES, account_refusal, has_org_role


@rules.predicate
def is_page_staff(user, page):
    """Officials who answer, decide and record outcomes for `page`."""
    return has_org_role(user, page.municipality, STAFF_ROLES) or (
        page.responsible_id is not None and has_org_role(user, page.responsible, STAFF_ROLES)
    )


@rules.predicate
def can_moderate_page(user, page):
    return is_page_staff(user, page) or has_org_role(user, page.municipality, MODERATION_ROLES)


def taking_part_refusal(user, page):
    """Why `user` may not write on `page` now (code, translated message), or None."""
    refusal = account_refusal(user)
    if refusal:
        return refusal
    if not page.live:
        return "not_found", _("This page is not published.")
    if not page.is_open():
        return "closed", _("This participation is not open: it runs from %(opens)s to %(closes)s.") % {
            "opens": _date(page.opens_at),
            "closes": _date(page.closes_at),
        }
    return None


def _date(value):
    from django.utils import formats, timezone

    return formats.date_format(timezone.localtime(value), "DATETIME_FORMAT")


rules.add_perm("consultations.manage_page", is_page_staff)
rules.add_perm("consultations.moderate_page", can_moderate_page)
