"""Staff work in the Wagtail admin: its screens must load with Meydan's custom user and models."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client, make_user, home_site):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    return client


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/users/",
        "/admin/users/new/",
        "/admin/snippets/accounts/organisation/",
        "/admin/snippets/accounts/organisation/add/",
        "/admin/organisations/applications/",
        "/admin/settings/themes/themesettings/",
        "/admin/pages/",
    ],
)
def test_admin_screens_load(admin_client, path):
    response = admin_client.get(path, follow=True)
    assert response.status_code == 200, path


def test_organisation_editor_enforces_the_department_rule(admin_client, make_organisation):
    ngo = make_organisation(kind="ngo")
    response = admin_client.post(
        "/admin/snippets/accounts/organisation/add/",
        {
            "name": "Bad Department",
            "slug": "bad-department",
            "kind": "department",
            "parent": ngo.pk,
            "memberships-TOTAL_FORMS": "0",
            "memberships-INITIAL_FORMS": "0",
            "memberships-MIN_NUM_FORMS": "0",
            "memberships-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200
    assert "must belong to a municipality" in response.content.decode()


def test_citizens_cannot_enter_the_admin(client, make_user):
    client.force_login(make_user())
    response = client.get("/admin/")
    assert response.status_code == 302 and "/admin/login/" in response.url
