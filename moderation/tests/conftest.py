"""A municipality with an open proposal space, a proposal with a comment, a live council session
with a live comment, and the people of the permission grids: resident, author, moderators of this
and of another municipality, the municipality's admin and a site administrator."""

from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")


@pytest.fixture
def other_municipality(make_organisation):
    return make_organisation(kind="municipality", name="Komşu Belediyesi", slug="komsu-belediyesi")


def _member(make_user, organisation, role, email):
    from meydan.accounts.models import Membership

    user = make_user(email=email, display_name=email.split("@")[0].title())
    Membership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def moderator(make_user, municipality):
    return _member(make_user, municipality, "moderator", "moderator@example.org")


@pytest.fixture
def second_moderator(make_user, municipality):
    return _member(make_user, municipality, "moderator", "second@example.org")


@pytest.fixture
def other_moderator(make_user, other_municipality):
    return _member(make_user, other_municipality, "moderator", "neighbour@example.org")


@pytest.fixture
def municipality_admin(make_user, municipality):
    return _member(make_user, municipality, "admin", "admin@example.org")


@pytest.fixture
def superuser(make_user):
    return make_user(email="root@example.org", is_superuser=True, is_staff=True)


@pytest.fixture
def author(make_user):
    return make_user(email="author@example.org", display_name="Yazar")


@pytest.fixture
def resident(make_user):
    return make_user(email="resident@example.org", display_name="Komşu")


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def space(home_site, municipality):
    from proposals.models import ProposalSpacePage

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
            support_threshold=10,
            answer_days=30,
        )
    )
    return ProposalSpacePage.objects.get(pk=space.pk)


@pytest.fixture
def proposal(space, make_user):
    from proposals import services

    proposer = make_user(email="proposer@example.org", display_name="Öneren")
    return services.create_proposal(proposer, space, title="Sahile bank konulsun", body="<p>Oturacak yer yok.</p>")


@pytest.fixture
def comment(proposal, author):
    from comments import services

    return services.post_comment(author, proposal, "Bu öneriyi yazanlar aptal.")


@pytest.fixture
def live_session(home_site, municipality, moderator):
    from live import services
    from live.models import CouncilIndexPage, CouncilSessionPage

    index = home_site.add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
    start = timezone.now()
    session = index.add_child(
        instance=CouncilSessionPage(
            title="Kasım meclisi",
            slug="kasim",
            municipality=municipality,
            scheduled_start=start,
            scheduled_end=start + timedelta(hours=3),
            stream_kind="video",
            stream_url="https://stream.example.org/meclis.mp4",
        )
    )
    services.start_session(moderator, session)
    return CouncilSessionPage.objects.get(pk=session.pk)


@pytest.fixture
def live_comment(live_session, author):
    from live import services

    return services.post_comment(author, live_session, "Canlı hakaret")
