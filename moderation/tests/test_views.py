from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from comments import services as comment_services
from moderation import services
from moderation.models import Appeal, ModerationAction, Suspension

pytestmark = pytest.mark.django_db


def hide_url(obj):
    from django.contrib.contenttypes.models import ContentType

    return reverse("moderation:hide", args=[ContentType.objects.get_for_model(obj).pk, obj.pk])


def test_guidelines_are_numbered_and_cached_for_anonymous_visitors(client):
    response = client.get(reverse("moderation:guidelines"))
    content = response.content.decode()
    assert response.status_code == 200
    assert '<ol class="guidelines">' in content
    for key in ("insult", "spam", "disinformation", "personal_data", "off_topic", "other"):
        assert f'id="rule-{key}"' in content
    assert response.meydan_cache_seconds > 0


def test_public_log_shows_kind_date_rule_and_outcome_but_never_content_names_or_reasons(
    client, comment, live_comment, proposal, moderator, second_moderator, author
):
    hidden = services.hide(moderator, comment, "insult", "Gizli gerekçe metni")
    services.hide(moderator, live_comment, "spam", "Reklam gerekçesi")
    services.hide(moderator, proposal, "personal_data", "Telefon numarası")
    appeal = services.appeal(author, hidden, "İtiraz")
    services.decide_appeal(second_moderator, appeal, True, "Kabul")
    response = client.get(reverse("moderation:log"))
    content = response.content.decode()
    assert response.status_code == 200
    for shown in ("Comment", "Live comment", "Proposal", "Insult or harassment", "Appeal upheld", "Content hidden"):
        assert shown in content, shown
    for secret in (
        comment.text,
        live_comment.text,
        proposal.title,
        author.display_name,
        moderator.display_name,
        "Gizli gerekçe metni",
        "Telefon numarası",
        "İtiraz",
    ):
        assert secret not in content, secret
    assert response.meydan_cache_seconds > 0


def test_log_filters(client, comment, live_comment, moderator):
    services.hide(moderator, comment, "insult", "x")
    services.hide(moderator, live_comment, "spam", "y")
    ModerationAction.objects.create(
        action="warn",
        rule="spam",
        reason="z",
        moderator=moderator,
        outcome="warned",
        created_at=timezone.now() - timedelta(days=62),
    )
    log = reverse("moderation:log")

    def rows(**params):
        return client.get(log, params).content.decode().count('<tr id="decision-')

    assert rows() == 3
    assert rows(type="comments.comment") == 1
    assert rows(type="live.livecomment") == 1
    assert rows(type="account") == 1
    assert rows(month=timezone.localtime().strftime("%Y-%m")) == 2
    # Nonsense filters are ignored, not errors.
    assert rows(type="<script>", month="2026-13", page="-3") == 3


@pytest.mark.parametrize("count", [5, 60])
def test_log_queries_do_not_grow(client, moderator, author, count, django_assert_max_num_queries):
    ModerationAction.objects.bulk_create(
        ModerationAction(action="warn", rule="spam", reason="r", moderator=moderator, author=author, outcome="warned")
        for _ in range(count)
    )
    client.get(reverse("moderation:log"))  # warm the content-type cache
    with django_assert_max_num_queries(3):
        response = client.get(reverse("moderation:log"), {"page": "2"} if count > 50 else {})
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("role", "status"), [("resident", 403), ("author", 403), ("other_moderator", 200), ("moderator", 200)]
)
def test_queue_is_for_moderators_and_shows_their_reports_and_appeals(
    request, client, comment, moderator, second_moderator, resident, author, role, status
):
    comment_services.flag_comment(resident, comment, "insult", "Kaba")
    other = comment_services.post_comment(author, comment.target, "İkinci yorum")
    hidden = services.hide(second_moderator, other, "spam", "Reklam")
    services.appeal(author, hidden, "İtiraz ediyorum")
    client.force_login(request.getfixturevalue(role))
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == status
    content = response.content.decode()
    if role == "moderator":
        assert comment.text in content and "Insult or harassment: Kaba" in content
        assert reverse("moderation:appeal", args=[hidden.appeals.get().pk]) in content
    if role == "other_moderator":  # another municipality's moderator sees none of it
        assert comment.text not in content and "No open appeals." in content


def test_queue_needs_login(client):
    response = client.get(reverse("moderation:queue"))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_hide_form_keeps_what_was_typed_on_error_and_hides_on_success(client, comment, moderator, resident):
    url = hide_url(comment)
    client.force_login(resident)
    assert client.post(url, {"rule": "spam", "reason": "x"}).status_code == 403
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    response = client.post(url, {"rule": "nonsense", "reason": "Benim uzun gerekçem"})
    assert response.status_code == 400 and "Benim uzun gerekçem" in response.content.decode()
    response = client.post(url, {"rule": "insult", "reason": "Hakaret"})
    assert response.status_code == 302
    assert ModerationAction.objects.get().rule == "insult"
    response = client.post(url, {"rule": "insult", "reason": "Tekrar"})
    assert response.status_code == 409 and "already hidden" in response.content.decode()
    assert client.get(reverse("moderation:hide", args=[999, 1])).status_code == 404


def test_author_sees_the_reason_and_appeals_once(client, comment, moderator, author, resident):
    action = services.hide(moderator, comment, "insult", "Kişilere hakaret")
    page = reverse("moderation:action", args=[action.pk])
    client.force_login(resident)
    assert client.get(page).status_code == 404
    assert client.post(reverse("moderation:appeal_create", args=[action.pk]), {"text": "x"}).status_code == 404
    client.force_login(author)
    # The thread shows the author the reason and the way to the decision.
    thread = client.get(comment.target.get_absolute_url()).content.decode()
    assert "Kişilere hakaret" in thread
    link = reverse("moderation:content", args=["comments.comment", comment.pk])
    assert link in thread and client.get(link).url == page
    content = client.get(page).content.decode()
    assert "Kişilere hakaret" in content and "Appeal this decision" in content
    too_long = client.post(reverse("moderation:appeal_create", args=[action.pk]), {"text": "x" * 1001})
    assert too_long.status_code == 400 and not Appeal.objects.exists()
    response = client.post(reverse("moderation:appeal_create", args=[action.pk]), {"text": "Eleştiriydi"})
    assert response.status_code == 302
    assert "Eleştiriydi" in client.get(page).content.decode()
    again = client.post(reverse("moderation:appeal_create", args=[action.pk]), {"text": "Bir daha"})
    assert again.status_code == 409 and "appealed" in again.content.decode()
    assert Appeal.objects.get().text == "Eleştiriydi"


def test_the_same_moderator_is_refused_and_a_second_one_decides(client, comment, moderator, second_moderator, author):
    action = services.hide(moderator, comment, "insult", "Hakaret")
    appeal = services.appeal(author, action, "İtiraz")
    url = reverse("moderation:appeal", args=[appeal.pk])
    client.force_login(moderator)
    assert "a different moderator must decide" in client.get(url).content.decode()
    response = client.post(url, {"decision": "uphold", "reason": "Kendi kararım"})
    assert response.status_code == 403
    appeal.refresh_from_db()
    assert appeal.status == "open"
    client.force_login(second_moderator)
    assert client.post(url, {"decision": "maybe", "reason": "x"}).status_code == 400
    response = client.post(url, {"decision": "uphold", "reason": "Eleştiri serbest"})
    assert response.status_code == 302
    comment.refresh_from_db()
    assert not comment.hidden
    assert client.post(url, {"decision": "reject", "reason": "x"}).status_code == 409


def test_account_page_warns_and_suspends(client, moderator, author, resident):
    url = reverse("moderation:account", args=[author.pk])
    client.force_login(resident)
    assert client.get(url).status_code == 403
    client.force_login(moderator)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"action": "suspend", "suspend-rule": "spam", "suspend-reason": "x", "suspend-days": "0"}
    )
    assert response.status_code == 400 and not Suspension.objects.exists()
    response = client.post(
        url, {"action": "suspend", "suspend-rule": "spam", "suspend-reason": "Reklam", "suspend-days": "3"}
    )
    assert response.status_code == 302
    assert Suspension.objects.get(user=author).until > timezone.now() + timedelta(days=2)
    response = client.post(url, {"action": "warn", "warn-rule": "insult", "warn-reason": "Dikkat"})
    assert response.status_code == 302
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == ["suspend", "warn"]


def test_admin_lists_the_log_read_only(client, superuser, comment, moderator):
    services.hide(moderator, comment, "spam", "Reklam")
    client.force_login(superuser)
    response = client.get("/admin/snippets/moderation/moderationaction/")
    assert response.status_code == 200
    assert client.get("/admin/snippets/moderation/moderationaction/add/").status_code in (302, 403, 404)


def test_moderators_restore_from_the_decision_page(client, comment, moderator, other_moderator, author):
    from django.contrib.contenttypes.models import ContentType

    action = services.hide(moderator, comment, "spam", "Reklam")
    restore = reverse("moderation:restore", args=[ContentType.objects.get_for_model(comment).pk, comment.pk])
    client.force_login(other_moderator)
    assert client.get(reverse("moderation:action", args=[action.pk])).status_code == 404
    assert client.post(restore, {"reason": "x"}).status_code == 403
    client.force_login(moderator)
    assert restore in client.get(reverse("moderation:action", args=[action.pk])).content.decode()
    assert client.post(restore, {"reason": ""}).status_code == 400
    assert client.post(restore, {"reason": "Yanlış anlaşılmış"}).status_code == 302
    comment.refresh_from_db()
    assert not comment.hidden
    assert list(ModerationAction.objects.order_by("pk").values_list("action", flat=True)) == ["hide", "restore"]
