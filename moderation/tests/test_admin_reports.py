"""The Wagtail admin lists open reports about every kind of content for staff who may see them;
nobody creates reports there."""

import pytest

from moderation import reports, services
from moderation.models import Flag

pytestmark = pytest.mark.django_db

LISTING = "/admin/snippets/moderation/flag/"


@pytest.fixture
def flags(comment, proposal, live_comment, resident, moderator):
    reports.report(resident, comment, "insult", "Name calling")
    reports.report(resident, proposal, "spam")
    reports.report(resident, live_comment, "off_topic")
    services.hide(moderator, live_comment, "off_topic", "Not about the agenda")


def test_open_reports_about_every_kind_are_listed(client, home_site, superuser, flags, comment, proposal):
    client.force_login(superuser)
    response = client.get(LISTING)
    content = response.content.decode()
    assert response.status_code == 200
    assert comment.text in content and proposal.title in content
    assert "Canlı hakaret" not in content  # hidden: its report was resolved


def test_reports_are_not_added_in_the_admin(client, home_site, superuser, flags):
    client.force_login(superuser)
    assert client.get(LISTING + "add/").status_code in (302, 403)


def test_citizens_do_not_see_the_reports(client, home_site, resident, flags):
    client.force_login(resident)
    assert client.get(LISTING).status_code in (302, 403)


def test_a_report_is_resolved_in_the_admin(client, home_site, superuser, flags, comment):
    client.force_login(superuser)
    flag = Flag.objects.get(status="open", reason="insult")
    assert client.get(f"{LISTING}inspect/{flag.pk}/").status_code == 200
    edit = client.get(f"{LISTING}edit/{flag.pk}/")
    assert edit.status_code == 200 and "Name calling" in edit.content.decode()
    response = client.post(f"{LISTING}edit/{flag.pk}/", {"status": "resolved"})
    assert response.status_code == 302
    flag.refresh_from_db()
    assert flag.status == "resolved" and flag.resolved_at is not None and flag.reason == "insult"
    assert comment.text not in client.get(LISTING).content.decode()
