"""Proposal pages without JavaScript, hostile input, and SQL queries that stay flat."""

import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from PIL import Image

from proposals import services
from proposals.models import Proposal

pytestmark = pytest.mark.django_db


def png(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), "green").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


def new_url(space):
    return f"/proposals/spaces/{space.pk}/new/"


def test_preview_then_publish_without_javascript(client, space, make_user, make_proposal):
    make_proposal(title="Moda sahiline bisiklet yolu yapılsın")
    client.force_login(make_user())
    data = {"title": "Moda sahilinde bisiklet yolu", "body": "<p>Sahil boyunca bisiklet yolu</p>", "tags": "bisiklet"}
    preview = client.post(new_url(space), data | {"preview": "1"})
    content = preview.content.decode()
    assert preview.status_code == 200 and "Similar proposals already exist" in content
    assert "Moda sahiline bisiklet yolu yapılsın" in content
    assert Proposal.objects.count() == 1
    response = client.post(new_url(space), data | {"publish": "1", "image": png()})
    proposal = Proposal.objects.latest("pk")
    assert response.status_code == 302 and response.url == proposal.get_absolute_url()
    assert proposal.image.name.endswith(".png") and "photo" not in proposal.image.name
    assert proposal.tags.names()[0] == "bisiklet"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"title": "", "body": "<p>x</p>"}, "title"),
        ({"title": "x" * 151, "body": "<p>x</p>"}, "title"),
        ({"title": "ok", "body": ""}, "body"),
        ({"title": "ok", "body": "<p>x</p>", "category": "999999"}, "category"),
        ({"title": "ok", "body": "<p>x</p>", "category": "abc"}, "category"),
        ({"title": "ok", "body": "<p>x</p>", "district": "Atlantis"}, "district"),
    ],
)
def test_bad_form_input_gets_400_and_stores_nothing(client, space, make_user, data, field):
    client.force_login(make_user())
    response = client.post(new_url(space), data | {"publish": "1"})
    assert response.status_code == 400
    assert response.context["form"].errors[field]
    assert not Proposal.objects.exists()


def test_a_fake_image_is_refused(client, space, make_user):
    client.force_login(make_user())
    fake = SimpleUploadedFile("x.jpg", b"GIF89a" + b"\0" * 100, content_type="image/jpeg")
    response = client.post(new_url(space), {"title": "ok", "body": "<p>x</p>", "image": fake, "publish": "1"})
    assert response.status_code == 400 and response.context["form"].errors["image"]
    assert not Proposal.objects.exists()


def test_anonymous_visitors_are_sent_to_log_in(client, space):
    response = client.post(new_url(space), {"title": "ok", "body": "<p>x</p>", "publish": "1"})
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_support_and_withdraw_through_forms(client, make_proposal, make_user):
    proposal = make_proposal()
    client.force_login(make_user())
    assert client.post(f"/proposals/{proposal.pk}/support/").status_code == 302
    again = client.post(f"/proposals/{proposal.pk}/support/")
    assert again.status_code == 409 and "You already support this proposal." in again.content.decode()
    assert client.post(f"/proposals/{proposal.pk}/unsupport/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.support_count == 0
    assert client.get(f"/proposals/{proposal.pk}/support/").status_code == 405


def test_forged_posts_to_other_peoples_proposals(client, make_proposal, make_user):
    proposal = make_proposal()
    client.force_login(make_user())
    assert client.post(f"/proposals/{proposal.pk}/withdraw/").status_code == 403
    assert client.post(f"/proposals/{proposal.pk}/edit/", {"title": "pwned", "body": "<p>x</p>"}).status_code == 404
    assert client.post(f"/proposals/{proposal.pk}/answer/", {"state": "accepted", "text": "x"}).status_code == 403
    assert client.post(f"/proposals/{proposal.pk}/moderate/", {"reason": "x", "hidden": "1"}).status_code == 403
    assert client.post(f"/proposals/{proposal.pk}/merge/", {"target": proposal.pk, "reason": "x"}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.title != "pwned" and proposal.state == "published"


def test_merged_proposal_redirects_to_its_target(client, make_proposal, space_moderator):
    a, b = make_proposal(title="A"), make_proposal(title="B")
    services.merge_proposals(space_moderator, b, a, "Aynı")
    response = client.get(b.get_absolute_url())
    assert response.status_code == 302 and response.url == a.get_absolute_url()


def test_hidden_proposals_are_not_found_by_others(client, make_proposal, make_user, space_moderator):
    author = make_user()
    proposal = make_proposal(author=author)
    services.moderate_proposal(space_moderator, proposal, hidden=True, reason="Spam")
    assert client.get(proposal.get_absolute_url()).status_code == 404
    client.force_login(author)
    assert client.get(proposal.get_absolute_url()).status_code == 200


def test_list_filters_and_sorts(client, space, make_proposal, make_user):
    parks = space.categories.get(name="Parklar")
    make_proposal(title="Park A", category=parks, district="Moda", tags=["yeşil"])
    popular = make_proposal(title="Otobüs B")
    services.support_proposal(make_user(), popular)
    content = client.get(space.url, {"category": parks.pk}).content.decode()
    assert "Park A" in content and "Otobüs B" not in content
    assert "Otobüs B" not in client.get(space.url, {"tag": "yeşil"}).content.decode()
    assert "Park A" not in client.get(space.url, {"district": "Kadıköy"}).content.decode()
    ordered = client.get(space.url, {"sort": "supported"}).content.decode()
    assert ordered.index("Otobüs B") < ordered.index("Park A")

    def random_order():
        content = client.get(space.url, {"sort": "random", "seed": "42"}).content.decode()
        return sorted(("Park A", "Otobüs B"), key=content.index)

    assert random_order() == random_order()
    for hostile in (
        {"category": "'; DROP TABLE x; --"},
        {"sort": "<script>"},
        {"page": "-1"},
        {"seed": "abc"},
        {"q": "x" * 5000},
        {"state": "hidden"},
    ):
        assert client.get(space.url, hostile).status_code == 200


def test_search_finds_by_words_in_the_description(client, space, make_proposal):
    make_proposal(title="Gece aydınlatması", body="<p>Sokak lambaları yanmıyor</p>")
    make_proposal(title="Bank", body="<p>Parka oturma bankı</p>")
    content = client.get(space.url, {"q": "lambaları"}).content.decode()
    assert "Gece aydınlatması" in content and ">Bank<" not in content


def _list_queries(client, space):
    client.get(space.url)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(space.url)
    assert response.status_code == 200
    return len(queries)


def test_list_page_queries_do_not_grow_with_page_size(client, space, make_proposal, make_user, monkeypatch):
    from proposals import views

    monkeypatch.setattr(views, "_cacheable", lambda request: False)  # measure the real work
    author = make_user()
    for n in range(100):
        make_proposal(
            author=author, title=f"Öneri {n}", tags=["a", f"t{n}"], category=space.categories.first()
        ) if n < 5 else None
        if n >= 5:
            Proposal.objects.create(space=space, author=author, title=f"Öneri {n}", body="<p>x</p>")
    monkeypatch.setattr(views, "PAGE_SIZE", 10)
    ten = _list_queries(client, space)
    monkeypatch.setattr(views, "PAGE_SIZE", 100)
    hundred = _list_queries(client, space)
    assert ten == hundred, (ten, hundred)
    assert hundred <= 10, hundred
    client.force_login(make_user())
    signed_in = _list_queries(client, space)
    assert signed_in <= 12, signed_in  # + the session and the user


def test_similar_endpoint(client, space, make_proposal):
    existing = make_proposal(title="Kadıköy'de köpek parkı", body="<p>Sahipli köpekler için park</p>")
    response = client.get(f"/proposals/spaces/{space.pk}/similar/", {"title": "Kadıköy köpek parkı"})
    results = response.json()["results"]
    assert results[0]["id"] == existing.pk
    excluded = client.get(f"/proposals/spaces/{space.pk}/similar/", {"title": "köpek parkı", "exclude": existing.pk})
    assert excluded.json()["results"] == []


def test_awaiting_answer_marks_overdue(client, make_proposal):
    from datetime import date, timedelta

    proposal = make_proposal(title="Gecikmiş")
    Proposal.objects.filter(pk=proposal.pk).update(
        threshold_reached_at="2026-01-01T00:00Z", answer_due=date.today() - timedelta(days=1)
    )
    content = client.get("/proposals/awaiting-answer/").content.decode()
    assert "Gecikmiş" in content and "Overdue" in content


def test_open_data_exports_have_no_personal_data(client, space, make_proposal, make_user):
    author = make_user(email="secret.person@example.org", display_name="Gizli Kişi")
    make_proposal(author=author, title='=HYPERLINK("http://evil")')
    csv_text = client.get(f"/proposals/spaces/{space.pk}/export.csv").content.decode("utf-8-sig")
    data = json.loads(client.get(f"/proposals/spaces/{space.pk}/export.json").content)
    api = client.get("/api/proposals/", {"space": space.pk}).json()
    for text in (csv_text, json.dumps(data, ensure_ascii=False), json.dumps(api, ensure_ascii=False)):
        assert "secret.person" not in text and "Gizli Kişi" not in text
    assert "'=HYPERLINK" in csv_text
    assert api["count"] == 1 and api["results"][0]["title"].startswith("=HYPERLINK")


@pytest.mark.parametrize(
    "params", [{"page": "0"}, {"page": "x"}, {"page_size": "1000"}, {"space": "x"}, {"state": "hidden"}]
)
def test_api_refuses_bad_parameters(client, params):
    response = client.get("/api/proposals/", params)
    assert response.status_code == 400 and "error" in response.json()


def test_api_paginates(client, space, make_user):
    author = make_user()
    for n in range(5):
        Proposal.objects.create(space=space, author=author, title=f"P{n}", body="<p>x</p>")
    first = client.get("/api/proposals/", {"page_size": 2}).json()
    assert first["count"] == 5 and len(first["results"]) == 2 and first["next"] and first["previous"] is None
    assert client.get("/api/proposals/", {"page": 9}).status_code == 404


def test_discussion_on_a_proposal(client, make_proposal, make_user):
    from comments.models import Comment

    proposal = make_proposal()
    client.force_login(make_user())
    url = proposal.get_absolute_url()
    content = client.get(url).content.decode()
    assert 'id="comment-form"' in content
    from django.contrib.contenttypes.models import ContentType

    ct = ContentType.objects.get_for_model(Proposal)
    response = client.post(f"/comments/{ct.pk}/{proposal.pk}/post/",
                           {"text": "Katılıyorum <script>x</script>", "alignment": "for", "next": url})
    assert response.status_code == 302
    assert Comment.objects.get().alignment == "for"
    content = client.get(url).content.decode()
    assert "Katılıyorum" in content and "<script>x" not in content


def test_detail_queries_do_not_grow_with_comments(client, make_proposal, make_user):
    from comments.models import Comment

    proposal = make_proposal()
    author = make_user()
    client.force_login(make_user())

    def add(n):
        rows = [Comment(target=proposal, author=author, text=f"c{i}") for i in range(n)]
        Comment.objects.bulk_create(rows)

    def queries():
        client.get(proposal.get_absolute_url())
        with CaptureQueriesContext(connection) as captured:
            client.get(proposal.get_absolute_url())
        return len(captured)

    add(10)
    ten = queries()
    add(490)
    five_hundred = queries()
    assert ten == five_hundred, (ten, five_hundred)


def test_form_suggests_the_spaces_existing_tags(client, space, make_proposal, make_user):
    make_proposal(tags=["bisiklet", "sahil"])
    make_proposal(title="Bisiklet parkı", tags=["bisiklet"])
    client.force_login(make_user())
    content = client.get(f"/proposals/spaces/{space.pk}/new/").content.decode()
    assert content.index('data-tag="bisiklet"') < content.index('data-tag="sahil"')


def test_anonymous_list_is_cached_briefly_and_refreshed_by_changes(client, space, make_proposal):
    make_proposal(title="İlk öneri")
    client.get(space.url)
    with CaptureQueriesContext(connection) as cached:
        assert "İlk öneri" in client.get(space.url).content.decode()
    assert not any('"proposals_proposal"."title"' in q["sql"] for q in cached.captured_queries)
    make_proposal(title="İkinci öneri")
    assert "İkinci öneri" in client.get(space.url).content.decode()


def test_signed_in_people_never_get_the_cached_page(client, space, make_proposal, make_user):
    make_proposal(title="Öneri")
    client.get(space.url)
    user = make_user()
    client.force_login(user)
    content = client.get(space.url).content.decode()
    assert "My profile" in content and "Log out" in content


# Eligibility and moderation -----------------------------------------------------------------------

VERIFIED_ONLY = "Only verified residents may take part in this space."


def test_an_ineligible_person_sees_why_and_cannot_propose(client, space, make_user):
    from proposals.models import ProposalSpacePage

    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_propose="verified")
    client.force_login(make_user())
    form_page = client.get(new_url(space)).content.decode()
    assert VERIFIED_ONLY in form_page and 'id="proposal-form"' not in form_page
    response = client.post(new_url(space), {"title": "Yeni fikir", "body": "<p>Açıklama</p>", "publish": "1"})
    assert response.status_code == 403 and VERIFIED_ONLY in response.content.decode()
    assert not Proposal.objects.exists()


def test_an_ineligible_person_sees_why_and_cannot_support(client, space, make_proposal, make_user):
    from proposals.models import ProposalSpacePage, Support

    proposal = make_proposal()
    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_support="verified")
    client.force_login(make_user())
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert VERIFIED_ONLY in page and f"/proposals/{proposal.pk}/support/" not in page
    response = client.post(f"/proposals/{proposal.pk}/support/")
    assert response.status_code == 403 and VERIFIED_ONLY in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.support_count == 0 and not Support.objects.exists()
    client.force_login(make_user(is_verified=True))
    assert client.post(f"/proposals/{proposal.pk}/support/").status_code == 302


def test_a_suspended_person_gets_403_and_the_end_of_the_suspension(client, space, make_proposal, make_user, suspend):
    proposal = make_proposal()
    user = make_user()
    suspend(user)
    client.force_login(user)
    response = client.post(f"/proposals/{proposal.pk}/support/")
    assert response.status_code == 403 and "Your account is suspended until" in response.content.decode()
    response = client.post(new_url(space), {"title": "Yeni fikir", "body": "<p>Açıklama</p>", "publish": "1"})
    assert response.status_code == 403
    proposal.refresh_from_db()
    assert proposal.support_count == 0 and Proposal.objects.count() == 1


def test_a_suspended_author_cannot_edit(client, make_proposal, make_user, suspend):
    author = make_user()
    proposal = make_proposal(author=author, title="Eski başlık")
    suspend(author)
    client.force_login(author)
    page = client.get(f"/proposals/{proposal.pk}/edit/").content.decode()
    assert "Your account is suspended until" in page and 'id="proposal-form"' not in page
    response = client.post(f"/proposals/{proposal.pk}/edit/", {"title": "Yeni başlık", "body": "<p>x</p>"})
    assert response.status_code == 403 and "Your account is suspended until" in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.title == "Eski başlık"


def test_anyone_signed_in_may_support_where_the_space_allows_it(client, space, make_proposal, make_user):
    from proposals.models import ProposalSpacePage

    proposal = make_proposal()
    unconfirmed = make_user(confirmed=False)
    client.force_login(unconfirmed)
    response = client.post(f"/proposals/{proposal.pk}/support/")
    assert response.status_code == 403 and "Confirm your e-mail address to take part." in response.content.decode()
    ProposalSpacePage.objects.filter(pk=space.pk).update(who_may_support="anyone")
    assert client.post(f"/proposals/{proposal.pk}/support/").status_code == 302
    proposal.refresh_from_db()
    assert proposal.support_count == 1


def moderate_url(proposal):
    return f"/proposals/{proposal.pk}/moderate/"


def test_moderators_hide_under_the_guideline_they_choose(client, make_proposal, space_moderator):
    from moderation.models import ModerationAction

    proposal = make_proposal()
    client.force_login(space_moderator)
    page = client.get(proposal.get_absolute_url()).content.decode()
    assert 'name="rule"' in page and 'value="personal_data"' in page and "Community guidelines" in page
    response = client.post(moderate_url(proposal), {"hidden": "1", "rule": "personal_data", "reason": "Adres var"})
    assert response.status_code == 302
    action = ModerationAction.objects.get()
    assert (action.action, action.rule, action.reason) == ("hide", "personal_data", "Adres var")
    proposal.refresh_from_db()
    assert proposal.state == "hidden"
    # Showing it again cites no guideline: the form has none to choose.
    assert 'name="rule"' not in client.get(proposal.get_absolute_url()).content.decode()
    assert client.post(moderate_url(proposal), {"hidden": "0", "reason": "Adres silindi"}).status_code == 302
    proposal.refresh_from_db()
    assert proposal.state == "published"


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
def test_a_bad_moderation_form_gets_400_and_changes_nothing(client, make_proposal, space_moderator, data, message):
    from moderation.models import ModerationAction

    proposal = make_proposal()
    client.force_login(space_moderator)
    response = client.post(moderate_url(proposal), {"hidden": "1", **data})
    assert response.status_code == 400 and message in response.content.decode()
    proposal.refresh_from_db()
    assert proposal.state == "published" and not ModerationAction.objects.exists()


def test_others_get_403_whatever_they_post_to_the_moderation_form(client, make_proposal, make_user):
    proposal = make_proposal()
    client.force_login(make_user())
    for data in ({"rule": "spam", "reason": "x"}, {"rule": "nonsense"}, {}):
        assert client.post(moderate_url(proposal), {"hidden": "1", **data}).status_code == 403
    proposal.refresh_from_db()
    assert proposal.state == "published"


def test_a_refused_post_does_not_show_a_hidden_proposal(client, make_proposal, make_user, space_moderator):
    proposal = make_proposal(title="Gizlenen öneri")
    services.moderate_proposal(space_moderator, proposal, hidden=True, reason="Spam", rule="spam")
    client.force_login(make_user())
    for action in ("support", "withdraw", "moderate"):
        response = client.post(f"/proposals/{proposal.pk}/{action}/", {"hidden": "0", "reason": "x"})
        assert response.status_code == 404 and "Gizlenen öneri" not in response.content.decode()


def test_the_space_editor_offers_the_three_rules(client, space, make_user):
    client.force_login(make_user(is_superuser=True, is_staff=True))
    content = client.get(f"/admin/pages/{space.pk}/edit/").content.decode()
    assert 'name="who_may_propose"' in content and 'name="who_may_support"' in content
    for value in ("anyone", "confirmed", "verified"):
        assert f'value="{value}"' in content
    assert "logged_in" not in content
