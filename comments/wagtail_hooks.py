"""Open reports about comments, in the Wagtail admin, for staff whose group has the flag permissions.

Moderators read the report, hide the comment on its page (or decide it is fine) and mark the report
resolved here. Reports are made by citizens on the site, never created in the admin.
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from .models import CommentFlag


class FlagPermissionPolicy(ModelPermissionPolicy):
    """The model's permissions, except that nobody adds or copies reports in the admin."""

    def user_has_permission(self, user, action):
        return action not in ("add", "copy") and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action not in ("add", "copy")]
        if not actions:
            return super().users_with_any_permission(["add"]).none()
        return super().users_with_any_permission(actions)


register_permission_policy(CommentFlag, FlagPermissionPolicy(CommentFlag))


class CommentFlagViewSet(SnippetViewSet):
    model = CommentFlag
    icon = "warning"
    menu_label = _("Reported comments")
    menu_order = 270
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        Column("comment_text", label=_("Comment"), accessor=lambda flag: flag.comment.text[:120]),
        Column("comment_author", label=_("Author"), accessor="comment.author"),
        "reason",
        Column("user", label=_("Reported by"), accessor="user"),
        DateColumn("created_at", label=_("Reported")),
    ]
    list_filter = ["reason"]
    panels = [
        FieldPanel("comment", read_only=True),
        FieldPanel("user", read_only=True),
        FieldPanel("reason", read_only=True),
        FieldPanel("text", read_only=True),
        FieldPanel("status"),
    ]

    def get_queryset(self, request):
        return (
            CommentFlag.objects.filter(status=CommentFlag.Status.OPEN)
            .select_related("comment__author", "user")
            .order_by("-created_at")
        )


register_snippet(CommentFlagViewSet)
