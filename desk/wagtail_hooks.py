"""Topics, type deadlines and reply templates in the Wagtail admin, each limited to the
organisations the editor administers; and the desk's demo data."""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.permission_policies.base import BasePermissionPolicy
from wagtail.permissions import register_permission_policy
from wagtail.snippets.models import register_snippet
from wagtail.snippets.views.snippets import DeleteView, EditView, SnippetViewSet, SnippetViewSetGroup

from meydan.accounts.models import Membership, User

from .models import Kind, ReplyTemplate, Topic, TypeSettings
from .rules import administered_organisations


class OrganisationAdminPolicy(BasePermissionPolicy):
    """Superusers, and administrators of the organisation a row belongs to (a municipality's admins
    also administer its departments). `kinds`: organisation kinds whose admins may use the model."""

    def __init__(self, model, field, kinds):
        super().__init__(model)
        self.field, self.kinds = field, kinds

    def _organisations(self, user):
        return administered_organisations(user).filter(kind__in=self.kinds)

    def user_has_permission(self, user, action):
        if not (user.is_active and user.is_authenticated):
            return False
        return user.is_superuser or self._organisations(user).exists()

    def users_with_any_permission(self, actions):
        return User.objects.filter(
            Q(is_superuser=True) | Q(memberships__role=Membership.Role.ADMIN), is_active=True
        ).distinct()

    def user_has_permission_for_instance(self, user, action, instance):
        if not self.user_has_permission(user, action):
            return False
        org_id = getattr(instance, f"{self.field}_id", None)
        return user.is_superuser or org_id is None or self._organisations(user).filter(pk=org_id).exists()

    def instances_user_has_any_permission_for(self, user, actions):
        if not self.user_has_permission(user, "change"):
            return self.model.objects.none()
        if user.is_superuser:
            return self.model.objects.all()
        return self.model.objects.filter(**{f"{self.field}__in": self._organisations(user)})


MUNICIPALITY = ["municipality"]
register_permission_policy(Topic, OrganisationAdminPolicy(Topic, "municipality", MUNICIPALITY))
register_permission_policy(TypeSettings, OrganisationAdminPolicy(TypeSettings, "municipality", MUNICIPALITY))
register_permission_policy(
    ReplyTemplate, OrganisationAdminPolicy(ReplyTemplate, "department", ["department", "municipality"])
)


class _InstanceChecked:
    """Wagtail's edit and delete views check the model permission only; rows of organisations the
    editor does not administer are refused here."""

    def get_object(self, queryset=None):
        obj = super().get_object(queryset)
        if not self.permission_policy.user_has_permission_for_instance(self.request.user, "change", obj):
            raise PermissionDenied
        return obj


class ScopedEditView(_InstanceChecked, EditView):
    pass


class ScopedDeleteView(_InstanceChecked, DeleteView):
    pass


class ScopedViewSet(SnippetViewSet):
    copy_view_enabled = False
    edit_view_class = ScopedEditView
    delete_view_class = ScopedDeleteView

    def get_queryset(self, request):
        return self.permission_policy.instances_user_has_any_permission_for(request.user, ["change"])


class TopicViewSet(ScopedViewSet):
    model = Topic
    icon = "tag"
    menu_label = _("Topics")
    list_display = ["name", "department", "municipality", "active"]
    list_filter = ["active"]


class TypeSettingsViewSet(ScopedViewSet):
    model = TypeSettings
    icon = "time"
    menu_label = _("Response deadlines")
    list_display = ["kind", "response_days", "municipality"]


class ReplyTemplateViewSet(ScopedViewSet):
    model = ReplyTemplate
    icon = "doc-full"
    menu_label = _("Reply templates")
    list_display = ["title", "department"]


class DeskViewSetGroup(SnippetViewSetGroup):
    items = (TopicViewSet, TypeSettingsViewSet, ReplyTemplateViewSet)
    menu_icon = "mail"
    menu_label = _("Requests desk")
    menu_name = "desk"
    menu_order = 280


register_snippet(DeskViewSetGroup)


DEMO_TOPICS = [
    # name, department slug
    ("Yol ve kaldırım", "fen-isleri"),
    ("Sokak aydınlatması", "fen-isleri"),
    ("Park ve yeşil alan", "park-ve-bahceler"),
    ("Ağaç budama", "park-ve-bahceler"),
]


@hooks.register("meydan_seed_demo")
def seed_desk(home, municipality):
    from meydan.accounts.models import Organisation

    from . import services
    from .models import Request

    departments = {org.slug: org for org in Organisation.objects.filter(parent=municipality, kind="department")}
    topics = []
    for order, (name, slug) in enumerate(DEMO_TOPICS):
        if slug not in departments:
            continue
        topic, _created = Topic.objects.get_or_create(
            municipality=municipality, name=name, defaults={"department": departments[slug], "sort_order": order}
        )
        topics.append(topic)
    TypeSettings.objects.get_or_create(municipality=municipality, kind=Kind.COMPLAINT, defaults={"response_days": 20})
    for department in departments.values():
        ReplyTemplate.objects.get_or_create(
            department=department,
            title="Teşekkür ve inceleme",
            defaults={
                "body": "Başvurunuz için teşekkür ederiz. Ekiplerimiz konuyu yerinde inceleyecek ve "
                "sonucu size bildireceğiz."
            },
        )
    resident = User.objects.filter(email="resident@meydan.example").first()
    if not topics or resident is None or Request.objects.filter(requester=resident).exists():
        return
    services.submit_request(
        resident,
        kind=Kind.COMPLAINT,
        topic=topics[0],
        text="Moda Caddesi'ndeki kaldırım taşları kırık; yaşlılar düşüyor.",
        district="Moda",
    )
    older = services.submit_request(
        resident,
        kind=Kind.REQUEST,
        topic=topics[-1],
        text="Sokağımızdaki çınar ağacının dalları elektrik tellerine değiyor.",
    )
    Request.objects.filter(pk=older.pk).update(
        created_at=timezone.now() - timedelta(days=40), due_at=timezone.now() - timedelta(days=10)
    )
