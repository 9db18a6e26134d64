"""Only central users publish pages of a site in crisis mode.

Wagtail decides "may publish" (edit and create views, bulk actions, reverting, approving a workflow's
last task) from the page permissions that the registered page policy returns for a user. This policy
drops, for users who are not central, every publish permission that reaches into a site in crisis:
grants on pages inside the site and grants on its ancestors (which would also cover it). A grant on an
ancestor shared with other sites is therefore paused there too, erring on the side of central control.
Superusers are central and are not affected.
"""

from django.db.models import Q
from wagtail.models import Page
from wagtail.permission_policies.pages import PagePermissionPolicy

from .models import CrisisState
from .rules import is_central


def _ancestor_paths(path):
    return [path[:length] for length in range(Page.steplen, len(path), Page.steplen)]


class CrisisPagePermissionPolicy(PagePermissionPolicy):
    def get_all_permissions_for_user(self, user):
        permissions = super().get_all_permissions_for_user(user)
        if not user.is_active or user.is_anonymous or user.is_superuser:
            return permissions
        blocked = Q()
        for state in CrisisState.objects.filter(active=True).select_related("site__root_page"):
            if is_central(user, state):
                continue
            path = state.site.root_page.path
            blocked |= Q(page__path__startswith=path) | Q(page__path__in=_ancestor_paths(path))
        if not blocked:
            return permissions
        return permissions.exclude(Q(permission__codename="publish_page") & blocked)
