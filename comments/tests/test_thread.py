"""The thread a target page shows with ``{% comment_thread target %}``: what each reader sees, in which
order, safely escaped, and with a number of queries that does not grow with the comments."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.template import engines
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation

from comments import services
from comments.models import Comment, CommentLike

pytestmark = pytest.mark.django_db

TEMPLATE = "{% load comments_tags %}{% comment_thread target %}"


def render(target, user=None, query=None, template=TEMPLATE):
    request = RequestFactory().get("/organisations/page/", query or {})
    request.user = user or AnonymousUser()
    with translation.override("en"):
        return engines["django"].from_string(template).render({"target": target}, request)


def order_of(html):
    return [int(pk) for pk in re.findall(r'<li class="comment[^"]*" id="comment-(\d+)"', html)]


def test_thread_structure_and_form(target, alice, bob):
    top = services.post_comment(alice, target, "Top comment", "for")
    reply = services.post_comment(bob, target, "A reply", "against", parent_id=top.pk)
    html = render(target, bob)
    assert "2 comments" in html
    assert '<form method="post" action="/comments/' in html and 'id="comment-form"' in html
    assert '<label for="comment-text">Your comment' in html
    assert "<fieldset" in html and "<legend>Your position" in html
    assert html.count('type="radio" name="alignment"') == 3
    assert 'value="neutral"' in html and re.search(r'value="neutral"[^>]*checked', html)
    assert "csrfmiddlewaretoken" in html
    assert f'id="comment-{top.pk}"' in html and f'data-parent="{top.pk}"' in html
    assert 'class="comment-replies"' in html and html.index("Top comment") < html.index("A reply")
    assert "alignment-for" in html and "alignment-against" in html and ">For<" in html
    assert 'data-comments-target="' in html and f'data-like-count="{reply.pk}"' in html
    for label in ("Newest first", "Oldest first", "Most liked"):
        assert label in html
    assert "<button" in html and "<a href" in html
    assert "onclick" not in html and "<script" not in html


def test_reply_choice_fills_the_hidden_parent(target, alice, bob):
    top = services.post_comment(alice, target, "Top")
    html = render(target, bob, {"reply": str(top.pk)})
    assert re.search(rf'<input type="hidden" name="parent" value="{top.pk}"', html)
    assert "Replying to Alice" in html and "Publish reply" in html
    assert f'href="?reply={top.pk}#comment-form"' in render(target, bob)


def test_reply_choice_from_another_target_is_ignored(target, other_target, alice, bob):
    elsewhere = services.post_comment(alice, other_target, "Elsewhere")
    html = render(target, bob, {"reply": str(elsewhere.pk)})
    assert 'name="parent" value=' not in html and "Replying to" not in html


def test_anonymous_readers_see_why_and_a_login_link(target, alice, make_user):
    services.post_comment(alice, target, "Visible to all")
    html = render(target)
    assert "Visible to all" in html and "Log in to comment." in html and "/accounts/login/?next=" in html
    assert 'id="comment-form"' not in html and "/like/" not in html
    unconfirmed = render(target, make_user(confirmed=False))
    assert "Confirm your e-mail address to comment." in unconfirmed


def test_deleted_comments_leave_a_placeholder(target, alice, bob):
    top = services.post_comment(alice, target, "Secret words")
    services.post_comment(bob, target, "Still here", parent_id=top.pk)
    services.delete_comment(alice, top)
    html = render(target, bob)
    assert "This comment was deleted." in html and "Still here" in html and "Secret words" not in html
    assert "1 comment" in html


def test_hidden_comments_are_seen_by_their_author_only(target, alice, bob, moderator):
    hidden = services.post_comment(alice, target, "Hidden words")
    services.hide_comment(moderator, hidden, "Personal data")
    for reader in (bob, moderator, None):
        html = render(target, reader)
        assert "Hidden words" not in html and "Personal data" not in html and f"comment-{hidden.pk}" not in html
    own = render(target, alice)
    assert "Hidden words" in own and "Personal data" in own and "only you can see it" in own


def test_hidden_comment_with_replies_leaves_a_placeholder(target, alice, bob, moderator):
    hidden = services.post_comment(alice, target, "Hidden words")
    services.post_comment(bob, target, "A fair reply", parent_id=hidden.pk)
    services.hide_comment(moderator, hidden, "Insult")
    html = render(target, bob)
    assert "This comment was hidden by a moderator." in html and "A fair reply" in html
    assert "Hidden words" not in html and "Insult" not in html


def test_actions_depend_on_the_reader(target, alice, bob, moderator, age):
    comment = services.post_comment(alice, target, "Mine")
    edit, delete, like, flag, hide = (f"/comments/{comment.pk}/{action}/" for action in
                                      ("edit", "delete", "like", "flag", "hide"))
    own = render(target, alice)
    assert edit in own and delete in own and like not in own and flag not in own and hide not in own
    other = render(target, bob)
    assert edit not in other and delete not in other and like in other and flag in other and hide not in other
    moderating = render(target, moderator)
    assert delete in moderating and hide in moderating and edit not in moderating
    age(comment, 16)
    assert edit not in render(target, alice)


def test_like_button_shows_the_readers_like(target, alice, bob):
    comment = services.post_comment(alice, target, "x")
    assert 'aria-pressed="false"' in render(target, bob)
    services.like_comment(bob, comment)
    html = render(target, bob)
    assert 'aria-pressed="true"' in html and f"/comments/{comment.pk}/unlike/" in html and "1 like" in html


def test_sort_orders(target, alice, bob, make_user):
    first = services.post_comment(alice, target, "first")
    second = services.post_comment(alice, target, "second")
    third = services.post_comment(alice, target, "third")
    for n, comment in enumerate((first, second, third)):
        Comment.objects.filter(pk=comment.pk).update(created_at=timezone.now() - timedelta(minutes=10 - n))
    for fan in (bob, make_user()):
        services.like_comment(fan, second)
    services.like_comment(bob, first)
    assert order_of(render(target, bob)) == [third.pk, second.pk, first.pk]
    assert order_of(render(target, bob, {"comments_sort": "newest"})) == [third.pk, second.pk, first.pk]
    assert order_of(render(target, bob, {"comments_sort": "oldest"})) == [first.pk, second.pk, third.pk]
    assert order_of(render(target, bob, {"comments_sort": "likes"})) == [second.pk, first.pk, third.pk]
    assert order_of(render(target, bob, {"comments_sort": "'; DROP TABLE"})) == [third.pk, second.pk, first.pk]
    html = render(target, bob, {"comments_sort": "oldest", "reply": "1", "page": "2"})
    assert re.search(r'href="\?comments_sort=likes&amp;page=2#comments"', html)
    assert re.search(r'href="\?comments_sort=oldest&amp;page=2#comments" aria-current="true"', html)


def test_script_is_escaped(target, alice, bob):
    services.post_comment(alice, target, "<script>alert(1)</script>")
    top = Comment.objects.get()
    services.post_comment(bob, target, '"><img src=x onerror=alert(1)>', parent_id=top.pk)
    html = render(target, bob)
    assert "<script" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_prefix_allows_several_threads_on_a_page(target, other_target, bob):
    template = (
        "{% load comments_tags %}{% comment_thread target prefix='a-' %}{% comment_thread other prefix='b-' %}"
    )
    request = RequestFactory().get("/")
    request.user = bob
    html = engines["django"].from_string(template).render({"target": target, "other": other_target}, request)
    assert 'id="a-comment-form"' in html and 'id="b-comment-form"' in html
    assert 'id="a-comment-text"' in html and 'id="b-comment-text"' in html
    assert html.count("comments.css") == 1


def _fill(target, authors, count):
    """`count` comments on `target`: half top-level, half replies, each liked by the reader."""
    content_type = ContentType.objects.get_for_model(target)
    now = timezone.now()
    tops = Comment.objects.bulk_create(
        Comment(content_type=content_type, object_id=target.pk, author=authors[n % len(authors)],
                text=f"Top {n}", created_at=now - timedelta(minutes=n))
        for n in range(count // 2)
    )
    replies = Comment.objects.bulk_create(
        Comment(content_type=content_type, object_id=target.pk, author=authors[n % len(authors)],
                parent=tops[n % len(tops)], text=f"Reply {n}", created_at=now)
        for n in range(count - count // 2)
    )
    return tops + replies


def _queries(target, reader, query=None):
    render(target, reader, query)  # warm up caches (content types, templates)
    with CaptureQueriesContext(connection) as captured:
        html = render(target, reader, query)
    return len(captured), html


@pytest.mark.parametrize("reader_kind", ["anonymous", "commenter", "moderator"])
def test_queries_do_not_grow_with_the_comments(target, other_target, alice, bob, moderator, make_user,
                                               reader_kind):
    reader = {"anonymous": None, "commenter": bob, "moderator": moderator}[reader_kind]
    authors = [alice, make_user(), make_user()]
    small_target = other_target
    from meydan.accounts.models import Membership

    Membership.objects.create(user=moderator, organisation=small_target, role="moderator")
    small = _fill(small_target, authors, 10)
    large = _fill(target, authors, 500)
    if reader is not None:
        CommentLike.objects.bulk_create(CommentLike(comment=comment, user=reader) for comment in small + large)
    small_count, small_html = _queries(small_target, reader, {"reply": str(small[0].pk)})
    large_count, large_html = _queries(target, reader, {"reply": str(large[0].pk)})
    assert small_html.count('class="comment') >= 10 and large_html.count('class="comment') >= 500
    assert small_count == large_count, (small_count, large_count)
    assert large_count <= 6
    print(f"\nthread queries ({reader_kind}): 10 comments -> {small_count}, 500 comments -> {large_count}")


def test_thread_html_is_well_formed(target, alice, bob, moderator):
    import html5lib

    top = services.post_comment(alice, target, "Top\n\nwith https://example.org")
    services.post_comment(bob, target, "Reply", parent_id=top.pk)
    deleted = services.post_comment(bob, target, "gone")
    services.delete_comment(bob, deleted)
    for reader in (None, alice, bob, moderator):
        html5lib.HTMLParser(strict=True).parseFragment(render(target, reader, {"reply": str(top.pk)}))
