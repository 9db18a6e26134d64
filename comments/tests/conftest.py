"""A test target: organisations carry comments while these tests run (registered here, unregistered
after). Anyone logged in with a confirmed e-mail address may comment; members with the "moderator"
role moderate; events go to the topic ``testopen.<id>``."""

import pytest

from comments import targets
from live import topics

TOPIC_KIND = "testopen"


def can_comment(user, organisation):
    if not user.is_authenticated:
        return False, "Log in to comment."
    if user.email_confirmed_at is None:
        return False, "Confirm your e-mail address to comment."
    return True, None


def can_moderate(user, organisation):
    from meydan.accounts.models import Membership

    return Membership.objects.filter(user=user, organisation=organisation, role="moderator").exists()


def register(live=True):
    from meydan.accounts.models import Organisation

    targets.register(
        Organisation,
        can_comment=can_comment,
        can_moderate=can_moderate,
        topic=(lambda organisation: f"{TOPIC_KIND}.{organisation.pk}") if live else (lambda organisation: None),
    )


@pytest.fixture(autouse=True)
def comment_target():
    from meydan.accounts.models import Organisation

    topics.register(TOPIC_KIND, lambda user, object_id: True)
    register()
    yield
    targets.unregister(Organisation)
    topics._kinds.pop(TOPIC_KIND, None)


@pytest.fixture
def without_live():
    register(live=False)


@pytest.fixture
def target(make_organisation):
    return make_organisation(name="Mahalle Derneği", slug="mahalle-dernegi")


@pytest.fixture
def other_target(make_organisation):
    return make_organisation(name="Başka Dernek", slug="baska-dernek")


@pytest.fixture
def alice(make_user):
    return make_user(email="alice@example.org", display_name="Alice")


@pytest.fixture
def bob(make_user):
    return make_user(email="bob@example.org", display_name="Bob")


@pytest.fixture
def moderator(make_user, target):
    from meydan.accounts.models import Membership

    user = make_user(email="moderator@example.org", display_name="Moderatör")
    Membership.objects.create(user=user, organisation=target, role="moderator")
    return user


@pytest.fixture
def anonymous():
    from django.contrib.auth.models import AnonymousUser

    return AnonymousUser()


@pytest.fixture
def age():
    """Move a comment back in time (instead of freezing the clock)."""
    from datetime import timedelta

    from comments.models import Comment

    def move(comment, minutes):
        Comment.objects.filter(pk=comment.pk).update(created_at=comment.created_at - timedelta(minutes=minutes))
        comment.refresh_from_db()
        return comment

    return move
