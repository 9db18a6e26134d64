import pytest
from django.core.management import call_command
from django.urls import reverse

from desk.models import ReplyTemplate, Request, Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_access():
    from django.contrib.auth.models import Group, Permission

    group = Group.objects.create(name="Desk staff")
    group.permissions.add(Permission.objects.get(codename="access_admin"))
    return group


@pytest.fixture
def foreign_topic(make_organisation):
    other = make_organisation(kind="municipality", name="Başka Belediye", slug="baska")
    department = make_organisation(kind="department", name="Başka Fen", slug="baska-fen", parent=other)
    return Topic.objects.create(municipality=other, name="Başka konu", department=department)


def test_municipality_admin_sees_and_edits_only_own_topics(
    client, municipality_admin, topic, foreign_topic, admin_access
):
    municipality_admin.groups.add(admin_access)
    client.force_login(municipality_admin)
    listing = client.get(reverse("wagtailsnippets_desk_topic:list"))
    assert listing.status_code == 200
    content = listing.content.decode()
    assert topic.name in content and foreign_topic.name not in content
    assert client.get(reverse("wagtailsnippets_desk_topic:edit", args=[topic.pk])).status_code == 200
    assert client.get(reverse("wagtailsnippets_desk_topic:edit", args=[foreign_topic.pk])).status_code in (302, 403)


def test_topic_department_must_belong_to_the_municipality(
    client, municipality_admin, municipality, department, foreign_topic, admin_access
):
    municipality_admin.groups.add(admin_access)
    client.force_login(municipality_admin)
    response = client.post(
        reverse("wagtailsnippets_desk_topic:add"),
        {
            "municipality": municipality.pk,
            "name": "Kaçak yapı",
            "department": foreign_topic.department_id,
            "active": "on",
            "sort_order": "0",
        },
    )
    assert not Topic.objects.filter(name="Kaçak yapı").exists()
    response = client.post(
        reverse("wagtailsnippets_desk_topic:add"),
        {
            "municipality": municipality.pk,
            "name": "Kaçak yapı",
            "department": department.pk,
            "active": "on",
            "sort_order": "0",
        },
    )
    assert response.status_code == 302 and Topic.objects.filter(name="Kaçak yapı").exists()


def test_officials_cannot_edit_topics(client, official, topic, admin_access):
    official.groups.add(admin_access)
    client.force_login(official)
    assert client.get(reverse("wagtailsnippets_desk_topic:list")).status_code in (302, 403)
    assert client.get(reverse("wagtailsnippets_desk_typesettings:list")).status_code in (302, 403)


def test_department_admin_edits_reply_templates_of_own_department(
    client, make_user, department, other_department, admin_access
):
    from meydan.accounts.models import Membership

    boss = make_user(email="boss@example.org")
    Membership.objects.create(user=boss, organisation=department, role="admin")
    boss.groups.add(admin_access)
    own = ReplyTemplate.objects.create(department=department, title="Bizim", body="Metin")
    ReplyTemplate.objects.create(department=other_department, title="Onların", body="Metin")
    client.force_login(boss)
    content = client.get(reverse("wagtailsnippets_desk_replytemplate:list")).content.decode()
    assert "Bizim" in content and "Onların" not in content
    assert client.get(reverse("wagtailsnippets_desk_replytemplate:edit", args=[own.pk])).status_code == 200


def test_seed_demo_is_idempotent():
    call_command("seed_demo", verbosity=0)
    counts = (Topic.objects.count(), Request.objects.count(), ReplyTemplate.objects.count())
    call_command("seed_demo", verbosity=0)
    assert counts == (Topic.objects.count(), Request.objects.count(), ReplyTemplate.objects.count())
    assert counts[0] >= 4 and counts[1] == 2
