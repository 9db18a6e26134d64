import pytest
from django.core.management import call_command

from consultations.models import Level, ParticipationPage

pytestmark = pytest.mark.django_db


def test_demo_has_a_live_page_per_level_and_the_index_lists_them(client):
    call_command("seed_demo")
    call_command("seed_demo")  # idempotent
    pages = ParticipationPage.objects.live()
    assert sorted(pages.values_list("level", flat=True)) == sorted(Level.values)
    index = client.get("/katilim/")
    assert index.status_code == 200
    for page in pages:
        assert page.title in index.text
        assert client.get(page.url).status_code == 200
    home = client.get("/")
    assert any(page.title in home.text for page in pages)
