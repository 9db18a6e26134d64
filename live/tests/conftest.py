import pytest

from live import topics

OPEN_TOPIC_KIND = "testopen"
PRIVATE_TOPIC_KIND = "testprivate"


@pytest.fixture(autouse=True)
def test_topic_kinds():
    """Two topic kinds for protocol tests: one anyone may follow, one only for a user of that id."""
    topics.register(OPEN_TOPIC_KIND, lambda user, object_id: True)
    topics.register(PRIVATE_TOPIC_KIND, lambda user, object_id: user.is_authenticated and user.pk == object_id)
    yield
    topics._kinds.pop(OPEN_TOPIC_KIND, None)
    topics._kinds.pop(PRIVATE_TOPIC_KIND, None)
