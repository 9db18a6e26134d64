"""A suggestion becomes a public proposal only with its author's consent, through proposals' own use
case; the site menu shows the desk to everyone and the inbox to staff, at no cost to anonymous pages."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from desk import services
from desk.models import Request, TimelineEntry

pytestmark = pytest.mark.django_db


@pytest.fixture
def suggestion(make_request):
    return make_request(kind="suggestion", text="Moda sahiline bisiklet yolu.\nAkşamları ışık.", district="Moda")


def _publish(client, req, space, **fields):
    data = {"space": space.pk, "title": "Moda sahiline bisiklet yolu", "body": req.text, **fields}
    return client.post(reverse("desk:publish", args=[req.pk]), data)


def test_staff_publish_a_consented_suggestion(
    client, suggestion, requester, official, proposal_space, django_capture_on_commit_callbacks
):
    from proposals.models import Proposal

    services.give_consent(requester, suggestion)
    client.force_login(official)
    page = client.get(suggestion.get_absolute_url()).content.decode()
    assert "Publish as a proposal" in page and 'name="title"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = _publish(client, suggestion, proposal_space)
    assert response.status_code == 302
    proposal = Proposal.objects.get()
    suggestion.refresh_from_db()
    assert suggestion.proposal == proposal and suggestion.is_public
    assert list(proposal.desk_requests.all()) == [suggestion]
    # Published by the official, never under the resident's name; the text keeps its lines.
    assert proposal.author == official and proposal.author != requester
    assert proposal.district == "Moda"
    assert "<p>Moda sahiline bisiklet yolu.<br>Akşamları ışık.</p>" in proposal.body
    assert suggestion.timeline.filter(kind=TimelineEntry.Kind.PUBLISHED, actor=official).exists()
    # The requester sees the link on the timeline and is told.
    client.force_login(requester)
    page = client.get(suggestion.get_absolute_url()).content.decode()
    assert proposal.get_absolute_url() in page and "Published as a proposal" in page
    assert requester.notifications.filter(
        url=suggestion.get_absolute_url(), title="Your suggestion is now a public proposal"
    ).exists()


def test_publishing_needs_the_authors_consent(client, suggestion, official, proposal_space):
    from proposals.models import Proposal

    client.force_login(official)
    page = client.get(suggestion.get_absolute_url()).content.decode()
    assert "has not agreed" in page and 'name="title"' not in page
    response = _publish(client, suggestion, proposal_space)
    assert response.status_code == 403
    assert "The author has not agreed that this suggestion is published." in response.content.decode()
    assert not Proposal.objects.exists()
    suggestion.refresh_from_db()
    assert not suggestion.is_public and suggestion.proposal is None


def test_only_once_and_only_suggestions(client, suggestion, make_request, requester, official, proposal_space):
    from proposals.models import Proposal

    services.give_consent(requester, suggestion)
    client.force_login(official)
    assert _publish(client, suggestion, proposal_space).status_code == 302
    again = _publish(client, suggestion, proposal_space)
    assert again.status_code == 409
    assert Proposal.objects.count() == 1
    complaint = make_request(kind="complaint", publish_consent=True)
    assert _publish(client, complaint, proposal_space).status_code == 400
    assert Proposal.objects.count() == 1


@pytest.mark.parametrize("who, status", [("requester", 403), ("other_official", 404), ("resident", 404)])
def test_only_the_handling_staff_publish(client, suggestion, requester, request, proposal_space, who, status):
    from proposals.models import Proposal

    services.give_consent(requester, suggestion)
    client.force_login(request.getfixturevalue(who))
    assert _publish(client, suggestion, proposal_space).status_code == status
    assert not Proposal.objects.exists()


def test_bad_input_keeps_the_suggestion_private(
    client, suggestion, requester, official, proposal_space, make_organisation, home_site
):
    from proposals.models import Proposal

    services.give_consent(requester, suggestion)
    client.force_login(official)
    assert _publish(client, suggestion, proposal_space, title="").status_code == 400
    assert _publish(client, suggestion, proposal_space, title="x" * 151).status_code == 400
    assert _publish(client, suggestion, proposal_space, body="   ").status_code == 400
    response = client.post(
        reverse("desk:publish", args=[suggestion.pk]), {"space": "999999", "title": "T", "body": "B"}
    )
    assert response.status_code == 400
    proposal_space.proposing_closes = proposal_space.proposing_opens
    proposal_space.save()
    assert _publish(client, suggestion, proposal_space).status_code == 400
    assert not Proposal.objects.exists()
    assert not Request.objects.get(pk=suggestion.pk).is_public


# The site menu -------------------------------------------------------------------------------------------


def test_menu_links(client, resident, official, home_site):
    page = client.get(reverse("desk:lookup")).content.decode()
    assert 'href="/desk/"' in page and 'href="/desk/inbox/"' not in page
    client.force_login(resident)
    assert 'href="/desk/inbox/"' not in client.get(reverse("desk:lookup")).content.decode()
    client.force_login(official)
    assert 'href="/desk/inbox/"' in client.get(reverse("desk:lookup")).content.decode()


def test_menu_costs_anonymous_visitors_no_query(client, home_site):
    client.get(reverse("desk:lookup"))
    with CaptureQueriesContext(connection) as queries:
        client.get(reverse("desk:lookup"))
    assert not [query for query in queries.captured_queries if "accounts_membership" in query["sql"]]
