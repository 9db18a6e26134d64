"""The views without JavaScript: posts redirect back to the target page, refusals get their own page
with a 4xx status, a translated message and the text kept for another try. Forged requests change
nothing."""

import pytest
from django.contrib.contenttypes.models import ContentType
from django.urls import reverse

from comments import services
from comments.models import Comment, CommentLike
from moderation.models import Flag

pytestmark = pytest.mark.django_db


def post_url(target):
    return reverse("comments:post", args=[ContentType.objects.get_for_model(target).pk, target.pk])


def url(name, comment):
    return reverse(f"comments:{name}", args=[comment.pk])


@pytest.fixture
def as_alice(client, alice):
    client.force_login(alice)
    return client


@pytest.fixture
def as_bob(client, bob):
    client.force_login(bob)
    return client


# Posting ---------------------------------------------------------------------------------------


def test_post_redirects_to_the_target_with_a_message(as_alice, target):
    response = as_alice.post(post_url(target), {"text": "Hello", "alignment": "for"})
    comment = Comment.objects.get()
    assert response.status_code == 302
    assert response.url == f"{target.get_absolute_url()}#comment-{comment.pk}"
    assert (comment.text, comment.alignment) == ("Hello", "for")
    page = as_alice.get(response.url)
    assert "Your comment has been published." in page.content.decode()


def test_post_a_reply(as_bob, target, alice):
    top = services.post_comment(alice, target, "top")
    as_bob.post(post_url(target), {"text": "reply", "alignment": "neutral", "parent": str(top.pk)})
    assert Comment.objects.get(text="reply").parent == top


def test_local_next_is_followed_and_foreign_next_ignored(as_alice, target):
    data = {"text": "a", "alignment": "neutral", "next": "/somewhere/?x=1#comments"}
    response = as_alice.post(post_url(target), data)
    assert response.url == f"/somewhere/?x=1#comment-{Comment.objects.latest('pk').pk}"
    for evil in ("https://evil.example/", "//evil.example/", "https:///evil.example", "javascript:alert(1)"):
        response = as_alice.post(post_url(target), {"text": "b", "alignment": "neutral", "next": evil})
        assert response.status_code == 302
        assert response.url.startswith(target.get_absolute_url() + "#comment-"), evil


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"text": "", "alignment": "neutral"}, 400),
        ({"text": "x" * 2001, "alignment": "neutral"}, 400),
        ({"text": "ok", "alignment": "sideways"}, 400),
        ({"text": "ok", "alignment": "neutral", "parent": "abc"}, 400),
        ({"text": "ok"}, 400),
        ({"text": "ok", "alignment": "neutral", "parent": "999999"}, 404),
    ],
)
def test_hostile_posts_get_a_clear_4xx_and_keep_the_text(as_alice, target, data, status):
    response = as_alice.post(post_url(target), data)
    assert response.status_code == status
    content = response.content.decode()
    assert 'role="alert"' in content and "This could not be done" in content
    if data.get("text"):
        assert data["text"] in content  # kept in the form to send again
    assert not Comment.objects.exists()


def test_parent_from_another_target_is_not_found(as_bob, target, other_target, alice):
    elsewhere = services.post_comment(alice, other_target, "elsewhere")
    response = as_bob.post(post_url(target), {"text": "reply", "alignment": "neutral", "parent": elsewhere.pk})
    assert response.status_code == 404
    assert Comment.objects.count() == 1


@pytest.mark.parametrize("kind", ["unknown content type", "unregistered model", "missing object"])
def test_unknown_targets_are_not_found(as_alice, target, alice, kind):
    if kind == "unknown content type":
        address = reverse("comments:post", args=[999_999, target.pk])
    elif kind == "unregistered model":
        address = reverse("comments:post", args=[ContentType.objects.get_for_model(alice).pk, alice.pk])
    else:
        address = reverse("comments:post", args=[ContentType.objects.get_for_model(target).pk, 999_999])
    response = as_alice.post(address, {"text": "where am I?", "alignment": "neutral"})
    assert response.status_code == 404
    assert "where am I?" in response.content.decode()
    assert not Comment.objects.exists()


def test_anonymous_post_is_refused_with_a_login_link(client, target):
    response = client.post(post_url(target), {"text": "hi", "alignment": "neutral"})
    assert response.status_code == 403
    content = response.content.decode()
    assert "Log in to comment." in content and reverse("accounts:login") in content
    assert not Comment.objects.exists()


def test_rate_limit_answers_429(as_alice, target, alice):
    for n in range(services.RATE_LIMIT):
        services.post_comment(alice, target, f"c{n}")
    response = as_alice.post(post_url(target), {"text": "one more", "alignment": "neutral"})
    assert response.status_code == 429
    content = response.content.decode()
    assert "30 comments in the last hour" in content and "one more" in content
    assert Comment.objects.count() == 30


def test_refusals_are_translated(client, target, make_user):
    turkish = make_user(preferred_language="tr")
    client.force_login(turkish)
    response = client.post(post_url(target), {"text": "x" * 2001, "alignment": "neutral"}, HTTP_ACCEPT_LANGUAGE="tr")
    assert response.status_code == 400
    assert '<html lang="tr">' in response.content.decode()


@pytest.mark.parametrize("name", ["post", "delete", "like", "unlike"])
def test_writes_are_post_only(as_alice, target, alice, name):
    comment = services.post_comment(alice, target, "x")
    address = post_url(target) if name == "post" else url(name, comment)
    assert as_alice.get(address).status_code == 405


# Editing and deleting --------------------------------------------------------------------------


def test_edit_form_and_edit(as_alice, target, alice):
    comment = services.post_comment(alice, target, "typo")
    form = as_alice.get(url("edit", comment))
    assert form.status_code == 200 and "typo" in form.content.decode() and "<legend>" in form.content.decode()
    response = as_alice.post(url("edit", comment), {"text": "fixed", "alignment": "against"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert (comment.text, comment.alignment) == ("fixed", "against")


def test_edit_after_the_window_is_refused(as_alice, target, alice, age):
    comment = age(services.post_comment(alice, target, "old"), 16)
    assert as_alice.get(url("edit", comment)).status_code == 403
    response = as_alice.post(url("edit", comment), {"text": "new", "alignment": "neutral"})
    assert response.status_code == 403 and "new" in response.content.decode()
    assert Comment.objects.get(pk=comment.pk).text == "old"


def test_forged_edit_and_delete_of_someone_elses_comment(as_bob, target, alice):
    comment = services.post_comment(alice, target, "Alice's words")
    assert as_bob.get(url("edit", comment)).status_code == 403
    assert as_bob.post(url("edit", comment), {"text": "Bob's words", "alignment": "for"}).status_code == 403
    assert as_bob.post(url("edit", comment), {"text": "", "alignment": "x"}).status_code == 403
    assert as_bob.post(url("delete", comment)).status_code == 403
    comment.refresh_from_db()
    assert (comment.text, comment.alignment, comment.is_deleted, comment.edited_at) == (
        "Alice's words", "neutral", False, None
    )


def test_delete_leaves_a_placeholder(as_alice, target, alice, bob):
    comment = services.post_comment(alice, target, "regret")
    services.post_comment(bob, target, "reply", parent_id=comment.pk)
    response = as_alice.post(url("delete", comment), {"next": "https://evil.example/"})
    assert response.status_code == 302 and response.url == f"{target.get_absolute_url()}#comment-{comment.pk}"
    comment.refresh_from_db()
    assert comment.is_deleted and comment.text == ""
    assert as_alice.post(url("delete", comment)).status_code == 409


def test_unknown_comment_is_not_found(as_alice):
    assert as_alice.post(reverse("comments:delete", args=[999_999])).status_code == 404
    assert as_alice.post(reverse("comments:like", args=[999_999])).status_code == 404


# Likes, flags and hiding -----------------------------------------------------------------------


def test_like_and_unlike(as_bob, target, alice, bob):
    comment = services.post_comment(alice, target, "x")
    assert as_bob.post(url("like", comment)).status_code == 302
    assert as_bob.post(url("like", comment)).status_code == 409
    assert Comment.objects.get(pk=comment.pk).like_count == 1
    assert as_bob.post(url("unlike", comment)).status_code == 302
    assert as_bob.post(url("unlike", comment)).status_code == 409
    assert Comment.objects.get(pk=comment.pk).like_count == 0
    assert not CommentLike.objects.exists()


def test_self_like_and_anonymous_like_are_forbidden(as_alice, client, target, alice):
    comment = services.post_comment(alice, target, "x")
    assert as_alice.post(url("like", comment)).status_code == 403
    client.logout()
    assert client.post(url("like", comment)).status_code == 403
    assert Comment.objects.get(pk=comment.pk).like_count == 0


def test_flag_form_and_flag_once(as_bob, target, alice):
    comment = services.post_comment(alice, target, "rude words")
    form = as_bob.get(url("flag", comment))
    content = form.content.decode()
    assert form.status_code == 200 and "rude words" in content and "<fieldset" in content and "<legend>" in content
    response = as_bob.post(url("flag", comment), {"reason": "insult", "text": "Name calling"})
    assert response.status_code == 302
    again = as_bob.post(url("flag", comment), {"reason": "spam", "text": "Also spam"})
    assert again.status_code == 409 and "Also spam" in again.content.decode()
    assert Flag.objects.get().reason == "insult"


def test_flag_refusals(as_alice, client, target, alice):
    comment = services.post_comment(alice, target, "x")
    assert as_alice.get(url("flag", comment)).status_code == 403
    assert as_alice.post(url("flag", comment), {"reason": "spam"}).status_code == 403
    client.logout()
    assert client.get(url("flag", comment)).status_code == 403
    assert not Flag.objects.exists()


def test_flag_with_an_unknown_reason(as_bob, target, alice):
    comment = services.post_comment(alice, target, "x")
    assert as_bob.post(url("flag", comment), {"reason": "boring"}).status_code == 400


def test_hide_by_moderators_only(client, target, alice, bob, moderator):
    comment = services.post_comment(alice, target, "x")
    client.force_login(bob)
    assert client.get(url("hide", comment)).status_code == 403
    assert client.post(url("hide", comment), {"reason": "no"}).status_code == 403
    assert not Comment.objects.get(pk=comment.pk).hidden
    client.force_login(moderator)
    assert client.get(url("hide", comment)).status_code == 200
    assert client.post(url("hide", comment), {"reason": "", "rule": "spam"}).status_code == 400
    assert client.post(url("hide", comment), {"reason": "Spam", "rule": "spam"}).status_code == 302
    assert Comment.objects.get(pk=comment.pk).hidden_reason == "Spam"
