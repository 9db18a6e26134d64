"""Crisis mode in the Wagtail admin: a menu item for the communications administrators, with the same
form and service as the site's /crisis/ page."""

from django.urls import include, path, reverse
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.menu import MenuItem
from wagtail.models import Site

from . import views
from .models import CrisisState
from .rules import is_communications_admin

admin_urlpatterns = (
    [
        path("", views.admin_index, name="index"),
        path("<int:site_id>/", views.admin_site, name="site"),
    ],
    "crisis_admin",
)


@hooks.register("register_admin_urls")
def register_crisis_urls():
    return [path("crisis/", include(admin_urlpatterns))]


class CrisisMenuItem(MenuItem):
    def is_shown(self, request):
        user = request.user
        if user.is_superuser:
            return True
        states = {state.site_id: state for state in CrisisState.objects.all()}
        return any(
            is_communications_admin(user, states.get(site_id)) for site_id in Site.objects.values_list("pk", flat=True)
        )


@hooks.register("register_admin_menu_item")
def register_crisis_menu_item():
    return CrisisMenuItem(_("Crisis mode"), reverse("crisis_admin:index"), icon_name="warning", order=270)
