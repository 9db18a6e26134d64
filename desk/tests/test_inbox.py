from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from desk import services
from desk.models import Request, Status

pytestmark = pytest.mark.django_db

INBOX = reverse("desk:inbox")


@pytest.fixture
def awaiting_proposal(home_site, municipality, department, make_user):
    """A proposal past its support threshold, in a category the department answers."""
    from proposals import services as proposal_services
    from proposals.models import Category, ProposalSpacePage

    now = timezone.now()
    space = home_site.add_child(
        instance=ProposalSpacePage(
            title="Fikirler",
            slug="fikirler",
            municipality=municipality,
            proposing_opens=now - timedelta(days=1),
            proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1),
            supporting_closes=now + timedelta(days=30),
            support_threshold=1,
            answer_days=30,
        )
    )
    category = Category.objects.create(space=space, name="Yollar", department=department, sort_order=0)
    author = make_user(email="author@example.org")
    proposal = proposal_services.create_proposal(
        author, space, title="Kaldırımlar genişlesin", body="<p>Daha geniş kaldırım.</p>", category=category
    )
    proposal_services.support_proposal(make_user(email="supporter@example.org"), proposal)
    return proposal


@pytest.fixture
def flagged_comment(awaiting_proposal, make_user):
    from comments import services as comment_services

    comment = comment_services.post_comment(make_user(email="troll@example.org"), awaiting_proposal, "Kaba söz")
    comment_services.flag_comment(make_user(email="flagger@example.org"), comment, "insult")
    return comment


def test_inbox_merges_requests_proposals_and_reported_comments(
    client, make_request, municipality_admin, awaiting_proposal, flagged_comment
):
    req = make_request()
    client.force_login(municipality_admin)
    response = client.get(INBOX)
    content = response.content.decode()
    assert response.status_code == 200
    assert req.tracking_code in content
    assert awaiting_proposal.title in content
    assert "Kaba söz" in content
    for action in ("Review", "Respond", "Record", "Redirect"):
        assert action in content


def test_official_sees_own_department_only(
    client, make_request, official, other_official, other_department, awaiting_proposal, flagged_comment
):
    mine = make_request()
    services.redirect_request(official, make_request(), other_department, "Parklar")
    theirs = Request.objects.get(department=other_department)
    client.force_login(official)
    content = client.get(INBOX).content.decode()
    assert mine.tracking_code in content and theirs.tracking_code not in content
    assert awaiting_proposal.title in content
    assert "Kaba söz" not in content  # department officials do not moderate the space
    client.force_login(other_official)
    content = client.get(INBOX).content.decode()
    assert theirs.tracking_code in content and mine.tracking_code not in content
    assert awaiting_proposal.title not in content


@pytest.mark.parametrize("role", ["anonymous", "requester", "resident"])
def test_inbox_is_for_staff(client, role, requester, resident):
    if role != "anonymous":
        client.force_login({"requester": requester, "resident": resident}[role])
    response = client.get(INBOX)
    assert response.status_code == (302 if role == "anonymous" else 404)


def test_filters(client, make_request, official, municipality_admin, other_department):
    complaint = make_request(kind="complaint")
    information = make_request(kind="information")
    late = make_request(kind="request")
    Request.objects.filter(pk=late.pk).update(due_at=timezone.now() - timedelta(days=2))
    services.assign_request(official, complaint, official)
    services.redirect_request(official, information, other_department, "Parklar")
    client.force_login(municipality_admin)

    def codes(**params):
        content = client.get(INBOX, params).content.decode()
        return {r.tracking_code for r in (complaint, information, late) if r.tracking_code in content}

    assert codes(kind="desk:complaint") == {complaint.tracking_code}
    assert codes(department=other_department.pk) == {information.tracking_code}
    assert codes(due="overdue") == {late.tracking_code}
    assert codes(assignee="none") == {information.tracking_code, late.tracking_code}
    assert codes(assignee=str(official.pk)) == {complaint.tracking_code}
    assert codes(kind="proposals:awaiting") == set()
    # Nonsense filters are ignored, not errors.
    assert client.get(INBOX, {"department": "x", "kind": "<script>", "page": "-4"}).status_code == 200


def test_assign_to_self_and_bulk_redirect(client, make_request, official, other_department, requester):
    first, second = make_request(), make_request()
    client.force_login(official)
    response = client.post(reverse("desk:inbox_assign"), {"request": first.pk, "querystring": "kind=desk:complaint"})
    assert response.status_code == 302 and response.url == INBOX + "?kind=desk%3Acomplaint"
    first.refresh_from_db()
    assert first.assignee == official
    response = client.post(
        reverse("desk:inbox_redirect"),
        {
            "requests": [first.pk, second.pk],
            "target": other_department.pk,
            "reason": "Parklar bizim değil",
        },
    )
    assert response.status_code == 302
    for req in (first, second):
        req.refresh_from_db()
        assert req.department == other_department and req.status == Status.REDIRECTED and req.assignee is None
        assert req.timeline.filter(kind="redirected", public_text="Parklar bizim değil").count() == 1


def test_bulk_redirect_refuses_requests_of_others(
    client, make_request, official, other_official, other_department, department
):
    req = make_request()
    client.force_login(other_official)
    client.post(reverse("desk:inbox_redirect"), {"requests": [req.pk], "target": other_department.pk, "reason": "x"})
    req.refresh_from_db()
    assert req.department == department


def test_bulk_redirect_without_reason_changes_nothing(client, make_request, official, other_department, department):
    req = make_request()
    client.force_login(official)
    response = client.post(
        reverse("desk:inbox_redirect"), {"requests": [req.pk], "target": other_department.pk}, follow=True
    )
    assert "Give the reason" in response.content.decode()
    req.refresh_from_db()
    assert req.department == department


def test_assign_to_self_refuses_other_departments_requests(client, make_request, other_official):
    req = make_request()
    client.force_login(other_official)
    assert client.post(reverse("desk:inbox_assign"), {"request": req.pk}).status_code == 404


def test_inbox_queries_do_not_grow_with_the_number_of_requests(
    client, make_request, municipality_admin, awaiting_proposal, flagged_comment
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(municipality_admin)
    counts = []
    for total, params in ((5, {}), (60, {"page": "2"})):
        while Request.objects.count() < total:
            make_request()
        client.get(INBOX, params)  # warm the content type cache
        with CaptureQueriesContext(connection) as queries:
            response = client.get(INBOX, params)
        assert response.status_code == 200
        desk = [query for query in queries.captured_queries if "desk_request" in query["sql"]]
        # The desk's own: departments of the filter, a count per part of the admin's inbox (their
        # municipality's, and what others sent them), the page's keys, the page's requests.
        assert len(desk) <= 5
        counts.append(len(queries))
    # Flat in the number of requests; the bound leaves room for the other apps' inbox sources.
    assert counts[0] == counts[1]
    # 25 with every source holding something (the desk's own: 4), one reported comment among them.
    assert counts[1] <= 25
