"""Keep the navigation's "Inbox" link in step with memberships."""

from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from meydan.accounts.models import Membership

from .templatetags.desk_nav import forget, works_the_inbox


@receiver(user_logged_in, dispatch_uid="desk_nav_on_login")
def remember_at_login(sender, request, user, **kwargs):
    works_the_inbox(user)


@receiver([post_save, post_delete], sender=Membership, dispatch_uid="desk_nav_on_membership")
def forget_on_membership_change(sender, instance, **kwargs):
    forget(instance.user_id)
