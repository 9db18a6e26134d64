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


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")


@pytest.fixture
def council_session(home_site, municipality):
    """A published council session with three agenda items, under a council index page."""
    from datetime import timedelta

    from django.utils import timezone

    from live.models import AgendaItem, CouncilIndexPage, CouncilSessionPage

    index = home_site.add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
    start = timezone.now()
    session = index.add_child(
        instance=CouncilSessionPage(
            title="Kasım olağan meclis toplantısı", slug="kasim", municipality=municipality,
            scheduled_start=start, scheduled_end=start + timedelta(hours=3),
            stream_kind="video", stream_url="https://stream.example.org/meclis.mp4",
        )
    )
    for n, title in enumerate(["Açılış", "Bütçe", "Park projesi"]):
        AgendaItem.objects.create(session=session, title=title, sort_order=n, description=f"Madde {n + 1}")
    return CouncilSessionPage.objects.get(pk=session.pk)


@pytest.fixture
def moderator(make_user, municipality):
    from meydan.accounts.models import Membership

    user = make_user(email="moderator@example.org", display_name="Moderatör")
    Membership.objects.create(user=user, organisation=municipality, role="moderator")
    return user


@pytest.fixture
def live_session(council_session, moderator):
    from live import services

    services.start_session(moderator, council_session)
    council_session.refresh_from_db()
    return council_session


@pytest.fixture
def suspend(db):
    """Suspends a person for a week, as a site administrator does through the moderation service."""

    def suspend(user):
        from datetime import timedelta

        from django.utils import timezone

        from meydan.accounts.models import User
        from moderation import services as moderation
        from moderation.models import forget_suspension

        admin = User.objects.create_superuser(email=f"admin-for-{user.pk}@example.org", password="a-long-admin-pass-1")
        moderation.suspend(admin, user, timezone.now() + timedelta(days=7), "spam", "Reklam")
        forget_suspension(user.pk)  # as the moderation app does on commit
        return user

    return suspend
