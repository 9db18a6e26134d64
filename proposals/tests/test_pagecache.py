"""The anonymous page cache must never serve one person's page to another."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from meydan.pagecache import pages_changed

pytestmark = pytest.mark.django_db


@pytest.fixture
def listed(space, make_proposal):
    make_proposal(title="Önbellekteki öneri")
    return space


def page_queries(client, url, **headers):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, **headers)
    return response, len(queries)


def test_second_anonymous_visit_is_served_without_touching_the_database(client, listed):
    first, _ = page_queries(client, listed.url)
    second, queries = page_queries(client, listed.url)
    assert queries <= 1  # at most the cache version lookup on a database cache; none with locmem/redis
    assert second.content == first.content
    assert second["Content-Security-Policy"] == first["Content-Security-Policy"]


def test_language_is_part_of_the_key(client, listed):
    english = client.get(listed.url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    turkish = client.get(listed.url, HTTP_ACCEPT_LANGUAGE="tr").content.decode()
    assert '<html lang="en">' in english and '<html lang="tr">' in turkish


def test_signed_in_visitors_bypass_the_cache(client, listed, make_user):
    client.get(listed.url)
    client.force_login(make_user(display_name="Görünür Kişi"))
    assert "My profile" in client.get(listed.url).content.decode()


def test_pages_not_opted_in_are_never_cached(client, home_site):
    client.get("/accounts/login/")
    _, queries = page_queries(client, "/accounts/login/")
    assert queries > 0


def test_a_change_reaches_cached_pages_at_once(client, listed, make_proposal):
    client.get(listed.url)
    make_proposal(title="Yepyeni öneri")
    assert "Yepyeni öneri" in client.get(listed.url).content.decode()
    pages_changed()
    _, queries = page_queries(client, listed.url)
    assert queries > 1
