"""The session page and console without JavaScript: every action is a form post with a clear
answer, and refusals keep what was already stored."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from live import services
from live.models import LiveComment, Poll, PollAnswer

pytestmark = pytest.mark.django_db


@pytest.fixture
def resident(make_user):
    return make_user(email="resident@example.org", display_name="Selin")


def comment_url(session):
    return reverse("live:post_comment", args=[session.pk])


def action_url(session, action):
    return reverse("live:console_action", args=[session.pk, action])


def test_page_shows_agenda_comments_and_a_working_form(client, live_session, resident):
    services.post_comment(resident, live_session, "Bütçe ne kadar?")
    client.force_login(resident)
    content = client.get(live_session.url).content.decode()
    for fragment in (
        "Açılış",
        "Bütçe",
        "Park projesi",
        "Bütçe ne kadar?",
        'id="comment-form"',
        "Refresh comments",
        f'data-topic="session.{live_session.pk}"',
        'type="module"',
    ):
        assert fragment in content


def test_posting_without_javascript(client, live_session, resident):
    client.force_login(resident)
    response = client.post(comment_url(live_session), {"text": "Merhaba meclis"})
    assert response.status_code == 302 and response.url.endswith("#comments")
    assert LiveComment.objects.get().text == "Merhaba meclis"
    assert "Merhaba meclis" in client.get(live_session.url).content.decode()


@pytest.mark.parametrize(
    ("data", "status"),
    [
        ({"text": ""}, 400),
        ({"text": "x" * 1001}, 400),
        ({"text": "ok", "parent": "abc"}, 400),
        ({"text": "ok", "parent": "999999"}, 404),
        ({}, 400),
    ],
)
def test_bad_comments_get_a_clear_4xx(client, live_session, resident, data, status):
    services.post_comment(resident, live_session, "kept")
    client.force_login(resident)
    response = client.post(comment_url(live_session), data)
    assert response.status_code == status
    assert 'class="errorlist"' in response.content.decode() or "form-errors" in response.content.decode()
    assert list(LiveComment.objects.values_list("text", flat=True)) == ["kept"]


def test_slow_mode_answers_429(client, live_session, moderator, resident):
    services.update_comment_settings(moderator, live_session, comments_open=True, slow_mode_seconds=60)
    client.force_login(resident)
    client.post(comment_url(live_session), {"text": "first"})
    response = client.post(comment_url(live_session), {"text": "second"})
    assert response.status_code == 429
    assert "Slow mode is on" in response.content.decode()
    assert LiveComment.objects.count() == 1


def test_anonymous_posting_is_refused(client, live_session):
    response = client.post(comment_url(live_session), {"text": "hello"})
    assert response.status_code == 403
    assert not LiveComment.objects.exists()


def test_comment_errors_are_translated(client, live_session, resident):
    from django.utils import translation

    resident.preferred_language = "tr"
    resident.save()
    client.force_login(resident)
    response = client.post(comment_url(live_session), {"text": "   "})
    with translation.override("tr"):
        label = translation.gettext("Your comment")
    assert label != "Your comment"
    assert response.status_code == 400
    assert label in response.content.decode()


def test_unpublished_sessions_are_not_found(client, live_session, resident):
    live_session.unpublish()
    client.force_login(resident)
    assert client.post(comment_url(live_session), {"text": "hi"}).status_code == 404
    assert client.get(reverse("live:post_comment", args=[999_999])).status_code in (404, 405)


def test_answering_a_poll_without_javascript(client, live_session, moderator, resident):
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    client.force_login(resident)
    url = reverse("live:answer_poll", args=[poll.pk])
    response = client.post(url, {"option": poll.options.first().pk})
    assert response.status_code == 302
    assert client.post(url, {"option": poll.options.last().pk}).status_code == 409
    assert client.post(url, {"option": "nonsense"}).status_code in (400, 409)
    content = client.get(live_session.url).content.decode()
    assert "<svg" in content and "Results so far" in content


def test_replay_filters_by_agenda_item_and_seeks_the_video(client, live_session, moderator, resident):
    first, second = live_session.agenda_items.all()[:2]
    services.advance_agenda(moderator, live_session, first.pk)
    services.post_comment(resident, live_session, "about the opening")
    services.advance_agenda(moderator, live_session, second.pk)
    services.post_comment(make_other(resident), live_session, "about the budget")
    services.end_session(moderator, live_session)
    content = client.get(live_session.url, {"item": second.pk}).content.decode()
    assert "about the budget" in content and "about the opening" not in content
    second.refresh_from_db()
    assert f"meclis.mp4#t={second.offset}" in content
    assert client.get(live_session.url, {"item": "<script>"}).status_code == 200


def make_other(user):
    from meydan.accounts.models import User

    return User.objects.create_user(
        email=f"other-{user.pk}@example.org", password="x-long-password", email_confirmed_at=user.email_confirmed_at
    )


def test_page_queries_do_not_grow_with_comments(client, live_session, resident, make_user):
    for n in range(5):
        services.post_comment(make_user(), live_session, f"comment {n}")
    client.get(live_session.url)  # warm the site and settings caches
    with CaptureQueriesContext(connection) as few:
        client.get(live_session.url)
    for n in range(40):
        parent = services.post_comment(make_user(), live_session, f"more {n}")
        services.post_comment(make_user(), live_session, "reply", parent_id=parent.pk)
    with CaptureQueriesContext(connection) as many:
        client.get(live_session.url)
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]


# Console -----------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "resident"])
def test_console_is_invisible_to_others(client, live_session, resident, who):
    if who == "resident":
        client.force_login(resident)
    assert client.get(reverse("live:console", args=[live_session.pk])).status_code == 404
    assert client.post(action_url(live_session, "end")).status_code == 404
    live_session.refresh_from_db()
    assert live_session.status == "live"


def test_console_runs_the_session(client, council_session, moderator, resident):
    client.force_login(moderator)
    assert client.get(reverse("live:console", args=[council_session.pk])).status_code == 200
    assert client.post(action_url(council_session, "start")).status_code == 302
    item = council_session.agenda_items.last()
    assert client.post(action_url(council_session, "advance"), {"item": item.pk}).status_code == 302
    response = client.post(
        action_url(council_session, "open-poll"), {"question": "Park?", "option_1": "Evet", "option_2": "Hayır"}
    )
    assert response.status_code == 302
    comment = services.post_comment(resident, council_session, "spam")
    assert (
        client.post(
            action_url(council_session, "hide"), {"comment": comment.pk, "rule": "spam", "reason": "Spam"}
        ).status_code
        == 302
    )
    assert (
        client.post(
            action_url(council_session, "settings"), {"comments_open": "on", "slow_mode_seconds": "10"}
        ).status_code
        == 302
    )
    assert client.post(action_url(council_session, "end")).status_code == 302
    council_session.refresh_from_db()
    comment.refresh_from_db()
    assert council_session.status == "ended" and council_session.current_item == item
    assert council_session.slow_mode_seconds == 10
    assert comment.hidden and Poll.objects.get().status == "closed"


@pytest.mark.parametrize(
    ("action", "data", "status"),
    [
        ("settings", {"slow_mode_seconds": "-5"}, 400),
        ("settings", {"slow_mode_seconds": "abc"}, 400),
        ("open-poll", {"question": "", "option_1": "A"}, 400),
        ("open-poll", {"question": "Q?", "option_1": "A", "option_2": "a"}, 400),
        ("advance", {"item": "999999"}, 404),
        ("advance", {"item": "x"}, 404),
        ("hide", {"comment": "999999", "rule": "spam", "reason": "x"}, 404),
        ("hide", {"rule": "spam", "reason": "x"}, 404),
        ("self-destruct", {}, 404),
        ("start", {}, 409),
    ],
)
def test_console_refuses_bad_input(client, live_session, moderator, action, data, status):
    client.force_login(moderator)
    response = client.post(action_url(live_session, action), data)
    assert response.status_code == status
    live_session.refresh_from_db()
    assert live_session.status == "live" and live_session.slow_mode_seconds == 0


def test_hidden_comment_disappears_and_the_author_sees_why(client, live_session, moderator, resident, make_user):
    comment = services.post_comment(resident, live_session, "rude words here")
    services.hide_comment(moderator, comment, "Hakaret içeriyor")
    client.force_login(make_user())
    assert "rude words here" not in client.get(live_session.url).content.decode()
    client.force_login(resident)
    content = client.get(live_session.url).content.decode()
    assert "Hakaret içeriyor" in content


def test_the_console_offers_the_guidelines_and_logs_the_chosen_one(client, live_session, moderator, resident):
    from moderation.models import ModerationAction

    comment = services.post_comment(resident, live_session, "Bu adamın adresi: ...")
    client.force_login(moderator)
    content = client.get(reverse("live:console", args=[live_session.pk])).content.decode()
    assert f'id="hide-rule-{comment.pk}" name="rule" required' in content
    assert '<option value="personal_data">Personal data of someone else</option>' in content
    response = client.post(
        action_url(live_session, "hide"), {"comment": comment.pk, "rule": "personal_data", "reason": "Adres"}
    )
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert (action.action, action.rule, action.reason) == ("hide", "personal_data", "Adres")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"rule": "rudeness", "reason": "x"}, "Choose the guideline that was broken."),
        ({"rule": "", "reason": "x"}, "Choose the guideline that was broken."),
        ({"reason": "x"}, "Choose the guideline that was broken."),
        ({"rule": "spam", "reason": ""}, "Give a reason; the author will see it."),
        ({"rule": "spam", "reason": "x" * 301}, "The reason may have at most 300 characters."),
    ],
)
def test_a_bad_hide_form_gets_400_and_changes_nothing(client, live_session, moderator, resident, data, message):
    from moderation.models import ModerationAction

    comment = services.post_comment(resident, live_session, "spam spam")
    client.force_login(moderator)
    response = client.post(action_url(live_session, "hide"), {"comment": comment.pk, **data})
    assert response.status_code == 400 and message in response.content.decode()
    comment.refresh_from_db()
    assert not comment.hidden and not ModerationAction.objects.exists()


# Who may comment and vote --------------------------------------------------------------------------


def set_rules(session, **rules):
    from live.models import CouncilSessionPage

    CouncilSessionPage.objects.filter(pk=session.pk).update(**rules)
    session.refresh_from_db()


def answer_url(poll):
    return reverse("live:answer_poll", args=[poll.pk])


def test_the_page_says_who_may_vote_instead_of_the_buttons(client, live_session, moderator, resident, make_user):
    set_rules(live_session, voters="verified")
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    client.force_login(resident)
    content = client.get(live_session.url).content.decode()
    assert "Only verified residents may vote in this session." in content
    assert f'action="{answer_url(poll)}"' not in content and 'data-participant=""' in content
    assert 'id="comment-form"' in content  # commenting follows its own rule
    client.force_login(make_user(is_verified=True))
    content = client.get(live_session.url).content.decode()
    assert "may vote in this session" not in content
    assert f'action="{answer_url(poll)}"' in content and 'data-participant="1"' in content


def test_anonymous_visitors_are_asked_to_log_in_to_vote(client, live_session, moderator):
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    content = client.get(live_session.url).content.decode()
    assert 'id="vote-refusal"' in content and "Log in to vote in the polls." in content
    assert f'action="{answer_url(poll)}"' not in content


def test_an_ineligible_vote_gets_403_with_the_reason_and_is_not_counted(client, live_session, moderator, resident):
    set_rules(live_session, voters="verified")
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    client.force_login(resident)
    response = client.post(answer_url(poll), {"option": poll.options.first().pk})
    assert response.status_code == 403
    assert "Only verified residents may vote in this session." in response.content.decode()
    assert not PollAnswer.objects.exists()
    set_rules(live_session, voters="confirmed")
    assert client.post(answer_url(poll), {"option": poll.options.first().pk}).status_code == 302
    assert PollAnswer.objects.count() == 1


def test_an_ineligible_comment_gets_403_with_the_reason_and_is_not_stored(client, live_session, resident):
    set_rules(live_session, commenters="verified")
    client.force_login(resident)
    assert "Only verified residents may comment in this session." in client.get(live_session.url).content.decode()
    response = client.post(comment_url(live_session), {"text": "Merhaba"})
    assert response.status_code == 403
    assert "Only verified residents may comment in this session." in response.content.decode()
    assert not LiveComment.objects.exists()


def test_a_suspended_person_can_neither_comment_nor_vote(client, live_session, moderator, resident, suspend):
    poll = services.open_poll(moderator, live_session, "Park?", ["Evet", "Hayır"])
    suspend(resident)
    client.force_login(resident)
    for url, data in ((comment_url(live_session), {"text": "Merhaba"}), (answer_url(poll), {"option": "1"})):
        response = client.post(url, data)
        assert response.status_code == 403 and "Your account is suspended until" in response.content.decode()
    assert not LiveComment.objects.exists() and not PollAnswer.objects.exists()


def test_the_session_editor_shows_who_may_comment_and_vote(client, live_session, make_user):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    content = client.get(f"/admin/pages/{live_session.pk}/edit/").content.decode()
    for name in ("commenters", "voters"):
        assert f'name="{name}"' in content
    assert "who may vote in polls" in content.lower()
    assert "Anyone with an account, even before confirming their e-mail address" in content
