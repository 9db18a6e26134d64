from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import SnippetViewSet

from . import admin_views
from .models import Organisation
from .rules import can_review_organisations


class OrganisationViewSet(SnippetViewSet):
    model = Organisation
    icon = "group"
    menu_label = _("Organisations")
    menu_order = 250
    add_to_admin_menu = True
    list_display = ["name", "kind", "status", "parent"]
    list_filter = ["kind", "status"]
    search_fields = ["name", "registration_number"]
    panels = [
        MultiFieldPanel(
            [FieldPanel("name"), FieldPanel("slug"), FieldPanel("kind"), FieldPanel("parent")],
            heading=_("Identity"),
        ),
        MultiFieldPanel(
            [FieldPanel("description"), FieldPanel("website"), FieldPanel("email"), FieldPanel("phone"),
             FieldPanel("address"), FieldPanel("registration_number"), FieldPanel("logo")],
            heading=_("Public profile"),
        ),
        # Verification is decided through the applications screen, so that who/when are recorded.
        FieldPanel("status", read_only=True),
        InlinePanel("memberships", heading=_("Members and roles"), label=_("Member")),
    ]


register_snippet(OrganisationViewSet)


admin_urlpatterns = (
    [
        path("", admin_views.ApplicationListView.as_view(), name="applications"),
        path("<int:pk>/", admin_views.ApplicationDetailView.as_view(), name="application"),
    ],
    "accounts_admin",
)


@hooks.register("register_admin_urls")
def register_application_urls():
    return [path("organisations/applications/", include(admin_urlpatterns))]


class ApplicationsMenuItem(MenuItem):
    def is_shown(self, request):
        return can_review_organisations(request.user)


@hooks.register("register_admin_menu_item")
def register_applications_menu_item():
    return ApplicationsMenuItem(
        _("NGO applications"), reverse("accounts_admin:applications"), icon_name="tick-inverse", order=260
    )
