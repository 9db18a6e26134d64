import pytest
from django.core.exceptions import ValidationError

from live import services
from live.templatetags.live_tags import bar_chart, timecode

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("url", "ok"),
    [
        ("https://www.youtube-nocookie.com/embed/abc", True),
        ("https://player.vimeo.com/video/1", True),
        ("http://www.youtube-nocookie.com/embed/abc", False),
        ("https://evil.example/embed", False),
        ("https://www.youtube-nocookie.com.evil.example/embed", False),
        ("javascript:alert(1)", False),
    ],
)
def test_embedded_streams_come_only_from_allowed_hosts(council_session, url, ok):
    council_session.stream_kind = "embed"
    council_session.stream_url = url
    if ok:
        council_session.clean()
    else:
        with pytest.raises(ValidationError):
            council_session.clean()


def test_a_stream_kind_needs_an_address(council_session):
    council_session.stream_url = ""
    with pytest.raises(ValidationError):
        council_session.clean()


def test_index_lists_live_upcoming_and_past(client, council_session, moderator):
    index = council_session.get_parent()
    content = client.get(index.url).content.decode()
    assert "Upcoming sessions" in content and council_session.title in content
    services.start_session(moderator, council_session)
    assert "Live now" in client.get(index.url).content.decode()


def test_home_page_shows_live_and_coming_sessions(client, council_session):
    content = client.get("/").content.decode()
    assert council_session.title in content
    assert "Nothing is open for participation right now" not in content


@pytest.mark.parametrize(("seconds", "shown"), [(0, "0:00"), (65, "1:05"), (3725, "1:02:05"), (None, "")])
def test_timecodes(seconds, shown):
    assert timecode(seconds) == shown


def test_bar_chart_is_decorative_and_proportional():
    svg = bar_chart({"total": 4, "options": [{"label": "<b>A</b>", "votes": 3}, {"label": "B", "votes": 1}]})
    assert 'aria-hidden="true"' in svg
    assert 'width="225"' in svg and 'width="75"' in svg
    assert "<b>" not in svg
