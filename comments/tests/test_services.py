"""The use cases: who may do what, what is stored, and the live events written with each change."""

import json

import pytest
from django.db import IntegrityError, transaction

import live
from comments import services
from comments.models import Comment, CommentLike
from comments.services import CommentRefused
from live.models import Event
from moderation.models import Flag

pytestmark = pytest.mark.django_db


def refused(code, call, *args, **kwargs):
    with pytest.raises(CommentRefused) as error:
        call(*args, **kwargs)
    assert error.value.code == code, error.value.message
    assert error.value.message
    return error.value


# Posting and threads ---------------------------------------------------------------------------


def test_post_a_comment(target, alice):
    comment = services.post_comment(alice, target, "  Park needs benches.  ", "for")
    comment.refresh_from_db()
    assert comment.target == target
    assert (comment.author, comment.text, comment.alignment) == (alice, "Park needs benches.", "for")
    assert comment.parent is None
    assert comment.like_count == 0 and comment.edited_at is None and not comment.is_deleted


def test_alignment_defaults_to_neutral_and_accepts_against(target, alice):
    assert services.post_comment(alice, target, "hm").alignment == "neutral"
    assert services.post_comment(alice, target, "no", "against").alignment == "against"


@pytest.mark.parametrize("alignment", ["maybe", "", None, "FOR", 1])
def test_unknown_alignment_is_refused(target, alice, alignment):
    refused("invalid", services.post_comment, alice, target, "text", alignment)
    assert not Comment.objects.exists()


def test_threads_are_two_levels_deep(target, alice, bob):
    top = services.post_comment(alice, target, "top")
    reply = services.post_comment(bob, target, "reply", parent_id=top.pk)
    reply_to_reply = services.post_comment(alice, target, "reply to reply", parent_id=reply.pk)
    assert reply.parent == top
    assert reply_to_reply.parent == top
    assert list(top.replies.order_by("pk")) == [reply, reply_to_reply]


def test_parent_must_belong_to_the_same_target(target, other_target, alice, bob):
    elsewhere = services.post_comment(alice, other_target, "elsewhere")
    refused("not_found", services.post_comment, bob, target, "reply", parent_id=elsewhere.pk)
    refused("not_found", services.post_comment, bob, target, "reply", parent_id=999_999)
    refused("invalid", services.post_comment, bob, target, "reply", parent_id="1")
    assert Comment.objects.count() == 1


def test_no_replies_to_deleted_or_hidden_comments(target, alice, bob, moderator):
    deleted = services.post_comment(alice, target, "to delete")
    services.delete_comment(alice, deleted)
    hidden = services.post_comment(alice, target, "to hide")
    services.hide_comment(moderator, hidden, "Insult")
    refused("not_found", services.post_comment, bob, target, "reply", parent_id=deleted.pk)
    refused("not_found", services.post_comment, bob, target, "reply", parent_id=hidden.pk)


@pytest.mark.parametrize(
    ("text", "code"), [("", "invalid"), ("   \n\t ", "invalid"), (None, "invalid"), ("x" * 2001, "too_long"),
                       ("a\x00b", "invalid"), (["list"], "invalid")]
)
def test_hostile_text_is_refused(target, alice, text, code):
    refused(code, services.post_comment, alice, target, text)
    assert not Comment.objects.exists()


def test_length_limit_counts_a_line_break_once(target, alice):
    text = ("x" * 99 + "\r\n") * 20  # 2,020 characters as sent, 2,000 stored (trailing newline stripped)
    comment = services.post_comment(alice, target, text)
    assert "\r" not in comment.text and len(comment.text) == 1999


def test_database_refuses_too_long_and_empty_texts(target, alice):
    from django.contrib.contenttypes.models import ContentType

    content_type = ContentType.objects.get_for_model(target)
    for text in ("x" * 2001, ""):
        with pytest.raises(IntegrityError), transaction.atomic():
            Comment.objects.create(content_type=content_type, object_id=target.pk, author=alice, text=text)


def test_who_may_post(target, alice, anonymous, make_user):
    refused("login_required", services.post_comment, anonymous, target, "hi")
    error = refused("forbidden", services.post_comment, make_user(confirmed=False), target, "hi")
    assert error.message == "Confirm your e-mail address to comment."
    assert not Comment.objects.exists()


def test_unregistered_targets_are_refused(alice, bob):
    refused("not_found", services.post_comment, alice, bob, "comment on a user?")
    assert not Comment.objects.exists()


def test_rate_limit_thirty_an_hour(target, alice, bob, age):
    first = None
    for n in range(services.RATE_LIMIT):
        comment = services.post_comment(alice, target, f"comment {n}")
        first = first or comment
    refused("rate_limited", services.post_comment, alice, target, "one too many")
    assert Comment.objects.filter(author=alice).count() == 30
    services.post_comment(bob, target, "others are not limited")
    age(first, 61)  # one comment leaves the window
    services.post_comment(alice, target, "allowed again")


# Editing ---------------------------------------------------------------------------------------


def test_author_edits_within_fifteen_minutes(target, alice, age):
    comment = services.post_comment(alice, target, "typo")
    age(comment, 14)
    services.edit_comment(alice, comment, "fixed", "against")
    comment.refresh_from_db()
    assert (comment.text, comment.alignment) == ("fixed", "against") and comment.edited_at is not None


def test_editing_after_fifteen_minutes_is_refused(target, alice, age):
    comment = age(services.post_comment(alice, target, "old"), 16)
    refused("edit_window", services.edit_comment, alice, comment, "new")
    comment.refresh_from_db()
    assert comment.text == "old" and comment.edited_at is None


def test_only_the_author_edits(target, alice, bob, moderator, anonymous):
    comment = services.post_comment(alice, target, "mine")
    refused("forbidden", services.edit_comment, bob, comment, "yours now")
    refused("forbidden", services.edit_comment, moderator, comment, "moderated")
    refused("login_required", services.edit_comment, anonymous, comment, "anon")
    refused("forbidden", services.edit_comment, bob, comment, "")  # permission before validation
    comment.refresh_from_db()
    assert comment.text == "mine"


def test_deleted_or_hidden_comments_cannot_be_edited(target, alice, moderator):
    deleted = services.post_comment(alice, target, "a")
    services.delete_comment(alice, deleted)
    hidden = services.post_comment(alice, target, "b")
    services.hide_comment(moderator, hidden, "Spam")
    refused("bad_state", services.edit_comment, alice, deleted, "again")
    refused("bad_state", services.edit_comment, alice, hidden, "sneaky")
    hidden.refresh_from_db()
    assert hidden.text == "b"


def test_edit_validates_the_text(target, alice):
    comment = services.post_comment(alice, target, "fine")
    refused("invalid", services.edit_comment, alice, comment, " ")
    refused("too_long", services.edit_comment, alice, comment, "y" * 2001)
    refused("invalid", services.edit_comment, alice, comment, "ok", "sideways")


# Deleting --------------------------------------------------------------------------------------


def test_deletion_keeps_a_placeholder_and_the_replies(target, alice, bob):
    top = services.post_comment(alice, target, "top")
    reply = services.post_comment(bob, target, "reply", parent_id=top.pk)
    services.delete_comment(alice, top)
    top.refresh_from_db()
    assert top.is_deleted and top.text == ""
    assert list(top.replies.all()) == [reply]
    refused("already_deleted", services.delete_comment, alice, top)


def test_moderator_may_delete_others_may_not(target, alice, bob, moderator, anonymous):
    comment = services.post_comment(alice, target, "text")
    refused("forbidden", services.delete_comment, bob, comment)
    refused("login_required", services.delete_comment, anonymous, comment)
    assert not Comment.objects.get(pk=comment.pk).is_deleted
    services.delete_comment(moderator, comment)
    assert Comment.objects.get(pk=comment.pk).is_deleted


# Likes -----------------------------------------------------------------------------------------


def test_likes_are_exact(target, alice, make_user):
    comment = services.post_comment(alice, target, "likeable")
    fans = [make_user() for _ in range(5)]
    for fan in fans:
        services.like_comment(fan, comment)
    refused("already_liked", services.like_comment, fans[0], comment)
    services.unlike_comment(fans[1], comment)
    refused("not_liked", services.unlike_comment, fans[1], comment)
    comment.refresh_from_db()
    assert comment.like_count == 4 == CommentLike.objects.filter(comment=comment).count()


def test_no_self_likes_and_no_anonymous_likes(target, alice, anonymous):
    comment = services.post_comment(alice, target, "me")
    refused("own_comment", services.like_comment, alice, comment)
    refused("login_required", services.like_comment, anonymous, comment)
    refused("login_required", services.unlike_comment, anonymous, comment)
    assert Comment.objects.get(pk=comment.pk).like_count == 0


def test_removed_comments_cannot_be_liked(target, alice, bob):
    comment = services.post_comment(alice, target, "gone soon")
    services.delete_comment(alice, comment)
    refused("not_found", services.like_comment, bob, comment)


def test_database_keeps_likes_unique_and_counts_non_negative(target, alice, bob):
    comment = services.post_comment(alice, target, "x")
    CommentLike.objects.create(comment=comment, user=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        CommentLike.objects.create(comment=comment, user=bob)
    with pytest.raises(IntegrityError), transaction.atomic():
        Comment.objects.filter(pk=comment.pk).update(like_count=-1)


def test_like_counts_are_pushed_coalesced(target, alice, bob, monkeypatch, django_capture_on_commit_callbacks):
    pushed = []
    monkeypatch.setattr(live, "coalesce", lambda topic, type, key, compute: pushed.append((topic, type, key, compute)))
    comment = services.post_comment(alice, target, "x")
    services.like_comment(bob, comment)
    topic, type, key, compute = pushed[-1]
    assert (topic, type, key, compute()) == (f"testopen.{target.pk}", "comments.likes", comment.pk, 1)
    services.unlike_comment(bob, comment)
    assert pushed[-1][3]() == 0


# Flags and hiding ------------------------------------------------------------------------------


def test_flag_once_per_person(target, alice, bob):
    comment = services.post_comment(alice, target, "rude")
    flag = services.flag_comment(bob, comment, "insult", "  Calls names.  ")
    assert (flag.reason, flag.text, flag.status) == ("insult", "Calls names.", "open")
    refused("already_flagged", services.flag_comment, bob, comment, "spam")
    assert Flag.objects.count() == 1


def test_flag_refusals(target, alice, bob, anonymous):
    comment = services.post_comment(alice, target, "x")
    refused("own_comment", services.flag_comment, alice, comment, "spam")
    refused("login_required", services.flag_comment, anonymous, comment, "spam")
    refused("invalid", services.flag_comment, bob, comment, "boring")
    refused("too_long", services.flag_comment, bob, comment, "other", "z" * 501)
    assert not Flag.objects.exists()


def test_only_moderators_hide(target, alice, bob, moderator):
    comment = services.post_comment(alice, target, "bad")
    services.flag_comment(bob, comment, "spam")
    refused("forbidden", services.hide_comment, bob, comment, "because")
    refused("forbidden", services.hide_comment, alice, comment, "because")
    refused("forbidden", services.hide_comment, bob, comment, "")  # permission before validation
    refused("invalid", services.hide_comment, moderator, comment, "  ")
    assert not Comment.objects.get(pk=comment.pk).hidden
    services.hide_comment(moderator, comment, "Advertising")
    comment.refresh_from_db()
    assert comment.hidden and comment.hidden_reason == "Advertising" and comment.hidden_by == moderator
    assert Flag.objects.get().status == "resolved"
    refused("already_hidden", services.hide_comment, moderator, comment, "again")


def test_moderators_of_another_organisation_do_not_moderate(target, other_target, alice, make_user):
    from meydan.accounts.models import Membership

    stranger = make_user()
    Membership.objects.create(user=stranger, organisation=other_target, role="moderator")
    comment = services.post_comment(alice, target, "x")
    refused("forbidden", services.hide_comment, stranger, comment, "no")
    refused("forbidden", services.delete_comment, stranger, comment)


# Live events -----------------------------------------------------------------------------------


def test_every_change_writes_a_live_event(target, alice, bob, moderator):
    topic = f"testopen.{target.pk}"
    comment = services.post_comment(alice, target, "<b>Bold</b> https://example.org", "for")
    reply = services.post_comment(bob, target, "reply", parent_id=comment.pk)
    services.edit_comment(alice, comment, "edited")
    services.hide_comment(moderator, reply, "Off-topic")
    services.delete_comment(alice, comment)
    events = list(Event.objects.filter(topic__name=topic).order_by("sequence"))
    assert [event.type for event in events] == [
        "comments.new", "comments.new", "comments.edited", "comments.hidden", "comments.deleted"
    ]
    assert [event.sequence for event in events] == [1, 2, 3, 4, 5]
    new = events[0].payload
    assert new["id"] == comment.pk and new["author"] == "Alice" and new["alignment"] == "for"
    assert new["parent"] is None and new["like_count"] == 0 and new["created_at"] == comment.created_at.isoformat()
    assert "&lt;b&gt;Bold&lt;/b&gt;" in new["html"] and 'rel="nofollow ugc noopener"' in new["html"]
    assert events[1].payload["parent"] == comment.pk
    assert events[2].payload["html"] == "<p>edited</p>" and events[2].payload["edited_at"]
    assert "Off-topic" not in json.dumps(events[3].payload)  # the reason is for the author only
    assert events[4].payload == {"id": comment.pk, "target": [comment.content_type_id, target.pk], "parent": None}
    for event in events:
        json.dumps(event.payload)


def test_refused_changes_write_no_event(target, alice, bob):
    comment = services.post_comment(alice, target, "x")
    with pytest.raises(CommentRefused):
        services.edit_comment(bob, comment, "y")
    with pytest.raises(CommentRefused):
        services.post_comment(alice, target, "")
    assert Event.objects.count() == 1


def test_no_topic_no_event(without_live, target, alice):
    services.post_comment(alice, target, "quiet")
    assert not Event.objects.exists()
