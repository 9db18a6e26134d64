"""An NGO's admin may post the organisation's official response where the target allows it; nobody
else may speak for an organisation, and targets that do not allow it refuse the attempt aloud."""

import pytest
from django.urls import reverse

from comments import targets
from comments.models import Comment
from comments.services import CommentRefused, post_comment
from comments.tests.conftest import can_comment, can_moderate
from meydan.accounts.models import Membership, Organisation

pytestmark = pytest.mark.django_db


@pytest.fixture
def voiced():
    targets.register(Organisation, can_comment=can_comment, can_moderate=can_moderate, organisation_voice=True)


@pytest.fixture
def ngo(make_organisation, alice, bob):
    return make_organisation(name="Yeşil Dernek", members=[(alice, Membership.Role.ADMIN),
                                                          (bob, Membership.Role.MEMBER)])


def post_url(target):
    content_type = targets.content_type_of(target)
    return reverse("comments:post", args=[content_type.pk, target.pk])


def test_admin_of_a_verified_ngo_posts_its_official_response(voiced, client, target, ngo, alice, password):
    client.force_login(alice)
    response = client.post(post_url(target), {"text": "Our position", "alignment": "for", "organisation": ngo.pk})
    assert response.status_code == 302
    comment = Comment.objects.get()
    assert comment.organisation == ngo and comment.author == alice


@pytest.mark.parametrize("who", ["member", "outsider"])
def test_nobody_else_speaks_for_the_organisation(voiced, target, ngo, bob, make_user, who):
    user = bob if who == "member" else make_user()
    with pytest.raises(CommentRefused) as refused:
        post_comment(user, target, "Speaking for them", organisation_id=ngo.pk)
    assert refused.value.code == "forbidden"
    assert not Comment.objects.exists()


@pytest.mark.parametrize("status", ["pending", "rejected"])
def test_an_unverified_organisation_has_no_official_voice(voiced, target, make_organisation, alice, status):
    pending = make_organisation(status=status, members=[(alice, Membership.Role.ADMIN)])
    with pytest.raises(CommentRefused):
        post_comment(alice, target, "Too early", organisation_id=pending.pk)
    assert not Comment.objects.exists()


def test_a_target_without_organisation_voice_refuses_it_with_a_message(client, target, ngo, alice, password):
    client.force_login(alice)
    response = client.post(post_url(target), {"text": "Our position", "alignment": "for", "organisation": ngo.pk})
    assert response.status_code == 403
    assert "organisation you administer" in response.text
    assert "Our position" in response.text  # the text is kept for another try
    assert not Comment.objects.exists()


@pytest.mark.parametrize("value", ["abc", "-1", "99999999", "1 OR 1=1"])
def test_hostile_organisation_values_are_refused(voiced, client, target, ngo, alice, password, value):
    client.force_login(alice)
    response = client.post(post_url(target), {"text": "Hi", "alignment": "neutral", "organisation": value})
    assert response.status_code in (400, 403)
    assert not Comment.objects.exists()


def test_the_thread_offers_the_choice_and_labels_official_responses(voiced, client, target, ngo, alice, bob,
                                                                     password):
    from django.template import Context, Template
    from django.test import RequestFactory

    post_comment(alice, target, "We support this", organisation_id=ngo.pk)
    template = Template("{% load comments_tags %}{% comment_thread target request=request %}")

    def render(user):
        request = RequestFactory().get("/")
        request.user = user
        return template.render(Context({"target": target, "request": request}))

    as_admin, as_member = render(alice), render(bob)
    assert "Official response of Yeşil Dernek" in as_admin and "Official response of Yeşil Dernek" in as_member
    assert 'name="organisation"' in as_admin
    assert 'name="organisation"' not in as_member
