"""The site navigation's desk links. Only called for logged-in users: anonymous pages are cached
whole and must not cost a query."""

from django import template
from django.core.cache import cache

from meydan.accounts.rules import MODERATION_ROLES

register = template.Library()

CACHE_SECONDS = 15 * 60


def _key(user_id):
    return f"desk-nav:{user_id}"


def works_the_inbox(user):
    """Staff or moderator of any organisation. Worked out at login and kept in the cache (memberships
    change rarely, and every change forgets it), so that a page view costs no query for it."""
    if user.is_superuser:
        return True
    visible = cache.get(_key(user.pk))
    if visible is None:
        visible = user.memberships.filter(role__in=MODERATION_ROLES).exists()
        cache.set(_key(user.pk), visible, CACHE_SECONDS)
    return visible


def forget(user_id):
    cache.delete(_key(user_id))


@register.simple_tag
def desk_inbox_visible(user):
    if not getattr(user, "is_authenticated", False):
        return False
    if getattr(user, "_desk_memberships", None):
        return True  # staff: the page itself already read the memberships
    return works_the_inbox(user)
