"""After a participation page closes (and after a council session ends) people rate it once, 1–5."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from desk.models import Satisfaction

pytestmark = pytest.mark.django_db


def rate_url(obj):
    return reverse("desk:rate_subject", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


@pytest.mark.parametrize("level", ["information", "consultation", "dialogue", "partnership"])
def test_a_closed_page_offers_the_form_and_takes_one_rating_per_person(client, make_page, people, level):
    page = make_page(level, phase="closed")
    client.force_login(people["resident"])
    assert 'id="satisfaction"' in client.get(page.url).text
    response = client.post(rate_url(page), {"rating": "4", "comment": "Clear and fair"})
    assert response.status_code == 302
    assert "you rated it 4 out of 5" in client.get(page.url).text
    again = client.post(rate_url(page), {"rating": "5"})
    assert again.status_code == 409
    assert list(Satisfaction.objects.values_list("rating", flat=True)) == [4]


def test_an_open_page_cannot_be_rated_yet(client, make_page, people):
    page = make_page("consultation", phase="open")
    client.force_login(people["resident"])
    assert 'id="satisfaction"' not in client.get(page.url).text
    response = client.post(rate_url(page), {"rating": "4"})
    assert response.status_code == 403
    assert "after it closes" in response.text
    assert not Satisfaction.objects.exists()


@pytest.mark.parametrize("rating", ["0", "6", "abc", "", "4.5"])
def test_ratings_outside_one_to_five_are_refused_and_the_comment_kept(client, make_page, people, rating):
    page = make_page("information", phase="reported")
    client.force_login(people["resident"])
    response = client.post(rate_url(page), {"rating": rating, "comment": "My words"})
    assert response.status_code == 400
    assert "from 1 to 5" in response.text and "My words" in response.text
    assert not Satisfaction.objects.exists()


def test_anonymous_visitors_are_asked_to_log_in(client, make_page):
    page = make_page("information", phase="closed")
    assert client.post(rate_url(page), {"rating": "3"}).status_code == 403
    assert not Satisfaction.objects.exists()


def test_unknown_or_unrateable_subjects_answer_404(client, make_page, people):
    client.force_login(people["resident"])
    assert client.post(reverse("desk:rate_subject", args=[999999, 1]), {"rating": "3"}).status_code == 404
    user_type = ContentType.objects.get_for_model(people["resident"])
    response = client.post(reverse("desk:rate_subject", args=[user_type.pk, people["resident"].pk]), {"rating": "3"})
    assert response.status_code == 404


def test_a_council_session_is_rated_after_it_ends(client, home_site, municipality, people):
    from datetime import timedelta

    from django.utils import timezone

    from live.models import CouncilIndexPage, CouncilSessionPage

    index = home_site.add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
    start = timezone.now() - timedelta(hours=3)
    session = index.add_child(
        instance=CouncilSessionPage(
            title="Oturum",
            slug="oturum",
            municipality=municipality,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=2),
        )
    )
    client.force_login(people["resident"])
    assert client.post(rate_url(session), {"rating": "5"}).status_code == 403
    CouncilSessionPage.objects.filter(pk=session.pk).update(status="ended")
    session.refresh_from_db()
    assert 'id="satisfaction"' in client.get(session.url).text
    assert client.post(rate_url(session), {"rating": "5"}).status_code == 302
    assert Satisfaction.objects.get().rating == 5
