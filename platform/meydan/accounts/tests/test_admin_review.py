import pytest
from django.urls import reverse

from meydan.accounts.models import Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def pending(make_user, make_organisation):
    return make_organisation(status="pending", applied_by=make_user())


def test_reviewer_sees_and_approves_an_application(client, make_user, pending):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    listing = client.get(reverse("accounts_admin:applications"))
    assert listing.status_code == 200 and pending.name in listing.content.decode()
    url = reverse("accounts_admin:application", args=[pending.pk])
    assert client.get(url).status_code == 200
    response = client.post(url, {"action": "approve"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.VERIFIED


def test_rejection_needs_a_reason(client, make_user, pending):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    url = reverse("accounts_admin:application", args=[pending.pk])
    response = client.post(url, {"action": "reject", "reason": "   "})
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING
    response = client.post(url, {"action": "reject", "reason": "Registry number does not exist"})
    assert response.status_code == 302
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.REJECTED


def test_unknown_action_changes_nothing(client, make_user, pending):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.post(reverse("accounts_admin:application", args=[pending.pk]), {"action": "delete"})
    assert response.status_code == 400
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING


@pytest.mark.parametrize("kind", ["anonymous", "citizen", "ngo_admin"])
def test_others_cannot_decide(client, make_user, pending, kind):
    if kind == "citizen":
        client.force_login(make_user())
    elif kind == "ngo_admin":
        client.force_login(pending.memberships.model.objects.create(
            user=make_user(), organisation=pending, role="admin").user)
    response = client.post(reverse("accounts_admin:application", args=[pending.pk]), {"action": "approve"})
    assert response.status_code in (302, 403)
    pending.refresh_from_db()
    assert pending.status == Organisation.Status.PENDING
