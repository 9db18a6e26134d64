from datetime import timedelta

import pytest
from django.utils import timezone


@pytest.fixture
def municipality(make_organisation):
    return make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan-belediyesi")


@pytest.fixture
def department(make_organisation, municipality):
    return make_organisation(kind="department", name="Park ve Bahçeler", slug="park-bahce", parent=municipality)


@pytest.fixture
def space(home_site, municipality, department):
    """An open proposal space with a threshold of 3 supports and two categories."""
    from proposals.models import Category, ProposalSpacePage

    now = timezone.now()
    space = home_site.add_child(
        instance=ProposalSpacePage(
            title="Fikirler 2026", slug="fikirler", municipality=municipality, intro="Şehrimiz için fikirler",
            proposing_opens=now - timedelta(days=1), proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1), supporting_closes=now + timedelta(days=60),
            support_threshold=3, answer_days=30, districts="Kadıköy\nModa\nFenerbahçe",
        )
    )
    Category.objects.create(space=space, name="Parklar", department=department, sort_order=0)
    Category.objects.create(space=space, name="Ulaşım", sort_order=1)
    return ProposalSpacePage.objects.get(pk=space.pk)


@pytest.fixture
def official(make_user, department):
    from meydan.accounts.models import Membership

    user = make_user(email="official@example.org", display_name="Memur")
    Membership.objects.create(user=user, organisation=department, role="official")
    return user


@pytest.fixture
def space_moderator(make_user, municipality):
    from meydan.accounts.models import Membership

    user = make_user(email="mod@example.org", display_name="Moderatör")
    Membership.objects.create(user=user, organisation=municipality, role="moderator")
    return user


@pytest.fixture
def make_proposal(make_user, space):
    from proposals import services

    def make(author=None, title="Moda sahiline bisiklet yolu", body="<p>Sahil boyunca güvenli bir bisiklet yolu.</p>",
             **fields):
        return services.create_proposal(author or make_user(), fields.pop("space", space), title=title, body=body,
                                        **fields)

    return make


@pytest.fixture
def suspend(db):
    """Suspends a person for a week, as a site administrator does through the moderation service."""

    def suspend(user):
        from meydan.accounts.models import User
        from moderation import services as moderation
        from moderation.models import forget_suspension

        admin = User.objects.create_superuser(email=f"admin-for-{user.pk}@example.org", password="a-long-admin-pass-1")
        moderation.suspend(admin, user, timezone.now() + timedelta(days=7), "spam", "Reklam")
        forget_suspension(user.pk)  # as the moderation app does on commit
        return user

    return suspend
