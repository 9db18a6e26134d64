"""The moderation log in the Wagtail admin, read-only (the log is append-only; decisions are taken
on the site, where they are checked, logged and explained to the person concerned), and the open
reports, which staff with the report permissions may mark resolved; nobody creates reports there."""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.admin.ui.tables import Column, DateColumn
from wagtail.permission_policies import ModelPermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import targets
from .models import Flag, FlagStatus, ModerationAction

READ_ONLY = ("view",)


class ReadOnlyPolicy(ModelPermissionPolicy):
    def user_has_permission(self, user, action):
        return action in READ_ONLY and super().user_has_permission(user, action)

    def user_has_any_permission(self, user, actions):
        return any(self.user_has_permission(user, action) for action in actions)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action in READ_ONLY]
        if not actions:
            return super().users_with_any_permission(["view"]).none()
        return super().users_with_any_permission(actions)

    def user_has_permission_for_instance(self, user, action, instance):
        return self.user_has_permission(user, action)


register_permission_policy(ModerationAction, ReadOnlyPolicy(ModerationAction))


class ModerationActionViewSet(SnippetViewSet):
    model = ModerationAction
    icon = "list-ul"
    menu_label = _("Moderation log")
    menu_order = 275
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        DateColumn("created_at", label=_("Date")),
        "action",
        Column("content_type", label=_("Content type"), accessor="content_type"),
        "rule",
        "outcome",
        Column("moderator", label=_("Moderator"), accessor="moderator"),
        Column("author", label=_("Person concerned"), accessor="author"),
    ]
    list_filter = ["action", "rule", "outcome"]
    inspect_view_fields = [
        "created_at",
        "action",
        "content_type",
        "object_id",
        "rule",
        "reason",
        "moderator",
        "author",
        "outcome",
        "appealed_action",
    ]

    def get_queryset(self, request):
        return ModerationAction.objects.select_related("moderator", "author", "content_type").order_by("-created_at")


register_snippet(ModerationActionViewSet)


class ReportPermissionPolicy(ModelPermissionPolicy):
    """The model's permissions, except that nobody adds or copies reports in the admin."""

    def user_has_permission(self, user, action):
        return action not in ("add", "copy") and super().user_has_permission(user, action)

    def users_with_any_permission(self, actions):
        actions = [action for action in actions if action not in ("add", "copy")]
        if not actions:
            return super().users_with_any_permission(["add"]).none()
        return super().users_with_any_permission(actions)


register_permission_policy(Flag, ReportPermissionPolicy(Flag))


def _reported_label(flag):
    registration = targets.for_content_type(flag.content_type)
    return registration.label if registration else flag.content_type


def _reported_excerpt(flag):
    registration, content = targets.for_content_type(flag.content_type), flag.content
    if registration is None or content is None:
        return ""
    return str(registration.excerpt(content))[:120]


class ReportViewSet(SnippetViewSet):
    model = Flag
    icon = "warning"
    menu_label = _("Reports")
    menu_order = 270
    add_to_admin_menu = True
    copy_view_enabled = False
    inspect_view_enabled = True
    list_display = [
        Column("kind", label=_("Content type"), accessor=_reported_label),
        Column("excerpt", label=_("Content"), accessor=_reported_excerpt),
        "reason",
        Column("user", label=_("Reported by"), accessor="user"),
        DateColumn("created_at", label=_("Reported")),
    ]
    list_filter = ["reason"]
    panels = [
        FieldPanel("user", read_only=True),
        FieldPanel("reason", read_only=True),
        FieldPanel("text", read_only=True),
        FieldPanel("status"),
    ]

    def get_queryset(self, request):
        return (
            Flag.objects.filter(status=FlagStatus.OPEN)
            .select_related("user", "content_type")
            .prefetch_related("content")
            .order_by("-created_at")
        )


register_snippet(ReportViewSet)
