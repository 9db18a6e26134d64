"""The Wagtail admin lists open reports for staff who may see them; nobody creates reports there."""

import pytest

from comments import services

pytestmark = pytest.mark.django_db

LISTING = "/admin/snippets/comments/commentflag/"


@pytest.fixture
def flags(target, alice, bob, make_user, moderator):
    rude = services.post_comment(alice, target, "Rude words here")
    services.flag_comment(bob, rude, "insult", "Name calling")
    settled = services.post_comment(alice, target, "Settled words")
    services.flag_comment(bob, settled, "spam")
    services.hide_comment(moderator, settled, "Spam")
    return rude, settled


def test_open_reports_are_listed(client, home_site, make_user, flags):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    response = client.get(LISTING)
    content = response.content.decode()
    assert response.status_code == 200
    assert "Rude words here" in content and "Settled words" not in content


def test_reports_are_not_added_in_the_admin(client, home_site, make_user, flags):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    assert client.get(LISTING + "add/").status_code in (302, 403)


def test_citizens_do_not_see_the_reports(client, home_site, bob, flags):
    client.force_login(bob)
    assert client.get(LISTING).status_code in (302, 403)


def test_a_report_is_resolved_in_the_admin(client, home_site, make_user, flags):
    from comments.models import CommentFlag

    client.force_login(make_user(is_superuser=True, is_staff=True))
    flag = CommentFlag.objects.get(status="open")
    assert client.get(f"{LISTING}inspect/{flag.pk}/").status_code == 200
    edit = client.get(f"{LISTING}edit/{flag.pk}/")
    assert edit.status_code == 200 and "Name calling" in edit.content.decode()
    response = client.post(f"{LISTING}edit/{flag.pk}/", {"status": "resolved"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_at is not None and flag.reason == "insult"
    assert "Rude words here" not in client.get(LISTING).content.decode()
