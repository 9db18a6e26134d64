"""Export and erasure against a world where two people took part everywhere.

Alice is the person exercising her rights; Bob is someone else whose data must never show up in her
export and must not change when she erases her account. Their names and addresses carry unique
markers so that a dump of the whole database can be searched for them.
"""

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.apps import apps
from django.core import serializers
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from meydan.privacy import erasure, export
from meydan.privacy.policy import installed_policy
from meydan.privacy.services import PrivacyRefused

ALICE_MARK = "qzalicemarkqz"
BOB_MARK = "qzbobmarkqz"
TEXT_MARK = "qztextmarkqz"


def png_upload(name="photo.png"):
    buffer = io.BytesIO()
    Image.new("RGB", (8, 8), "red").save(buffer, "PNG")
    return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    settings.MEYDAN_PRIVATE_MEDIA_ROOT = str(tmp_path / "private")


@pytest.fixture
def world(make_user, make_organisation, home_site):
    from comments import services as comments
    from desk.models import Request, Satisfaction, Topic
    from live import services as live
    from live.models import CouncilIndexPage, CouncilSessionPage
    from meydan.accounts.models import Membership
    from meydan.notifications.models import Notification
    from proposals import services as proposals
    from proposals.models import ProposalSpacePage
    from questionnaires.models import Response

    now = timezone.now()
    alice = make_user(email=f"{ALICE_MARK}@example.org", display_name=f"Alice {ALICE_MARK}")
    bob = make_user(email=f"{BOB_MARK}@example.org", display_name=f"Bob {BOB_MARK}")
    municipality = make_organisation(kind="municipality", name="Meydan Belediyesi", slug="meydan")
    department = make_organisation(kind="department", name="Fen İşleri", slug="fen", parent=municipality)
    moderator = make_user(email="moderator@example.org", display_name="Moderatör")
    Membership.objects.create(user=moderator, organisation=municipality, role="moderator")
    ngo = make_organisation(kind="ngo", members=[(alice, "admin"), (bob, "member")])

    space = home_site.add_child(
        instance=ProposalSpacePage(
            title="Fikirler",
            slug="fikirler",
            municipality=municipality,
            proposing_opens=now - timedelta(days=1),
            proposing_closes=now + timedelta(days=30),
            supporting_opens=now - timedelta(days=1),
            supporting_closes=now + timedelta(days=30),
            support_threshold=50,
        )
    )
    alice_proposal = proposals.create_proposal(
        alice, space, title=f"Bisiklet yolu {TEXT_MARK}", body=f"<p>Sahil boyunca {TEXT_MARK}</p>", image=png_upload()
    )
    bob_proposal = proposals.create_proposal(bob, space, title="Bob'un parkı", body="<p>Bir park</p>")
    proposals.support_proposal(alice, bob_proposal)
    proposals.support_proposal(bob, alice_proposal)

    alice_comment = comments.post_comment(alice, bob_proposal, f"Katılıyorum {TEXT_MARK}")
    bob_comment = comments.post_comment(bob, alice_proposal, "Güzel fikir")
    bob_reply = comments.post_comment(bob, bob_proposal, "Teşekkürler", parent_id=alice_comment.pk)
    comments.like_comment(bob, alice_comment)
    comments.like_comment(alice, bob_comment)
    comments.flag_comment(alice, bob_comment, "off_topic", f"Konu dışı {TEXT_MARK}")

    index = home_site.add_child(instance=CouncilIndexPage(title="Meclis", slug="meclis"))
    session = index.add_child(
        instance=CouncilSessionPage(
            title="Meclis toplantısı",
            slug="kasim",
            municipality=municipality,
            scheduled_start=now,
            scheduled_end=now + timedelta(hours=3),
        )
    )
    live.start_session(moderator, session)
    alice_live = live.post_comment(alice, session, f"Canlı yorum {TEXT_MARK}")
    live.post_comment(bob, session, "Bob canlı")
    poll = live.open_poll(moderator, session, "Park olsun mu?", ["Evet", "Hayır"])
    yes = poll.options.get(label="Evet")
    live.answer_poll(alice, poll.pk, yes.pk)
    live.answer_poll(bob, poll.pk, yes.pk)

    space_type = apps.get_model("contenttypes", "ContentType").objects.get_for_model(ProposalSpacePage)
    Response.objects.create(content_type=space_type, object_id=space.pk, respondent=alice, answers={"q": TEXT_MARK})
    Response.objects.create(content_type=space_type, object_id=space.pk, respondent=bob, answers={"q": "bob"})

    topic = Topic.objects.create(municipality=municipality, name="Yol", department=department)
    request = Request.objects.create(
        kind="complaint",
        municipality=municipality,
        topic=topic,
        department=department,
        requester=alice,
        contact_email=alice.email,
        text=f"Çukur var {TEXT_MARK}",
        district="Moda",
        status="closed",
        due_at=now,
        closed_at=now,
        photo=png_upload("request.png"),
    )
    request_type = apps.get_model("contenttypes", "ContentType").objects.get_for_model(Request)
    Satisfaction.objects.create(content_type=request_type, object_id=request.pk, rating=4, comment=TEXT_MARK)
    Request.objects.create(
        kind="request",
        municipality=municipality,
        topic=topic,
        department=department,
        requester=bob,
        contact_email=bob.email,
        text="Bob'un isteği",
        status="received",
        due_at=now,
    )
    Notification.objects.create(user=alice, title="Yanıt", body=f"Bob {BOB_MARK} yanıtladı")
    Notification.objects.create(user=bob, title=f"Alice {ALICE_MARK} yorumunuzu beğendi", body="")

    return {
        "alice": alice,
        "bob": bob,
        "ngo": ngo,
        "alice_proposal": alice_proposal,
        "bob_proposal": bob_proposal,
        "alice_comment": alice_comment,
        "bob_comment": bob_comment,
        "bob_reply": bob_reply,
        "alice_live": alice_live,
        "poll": poll,
        "request": request,
        "session": session,
    }


def open_zip(file):
    return zipfile.ZipFile(io.BytesIO(file.read()))


def rows_linked_to(user):
    """Policy keys with at least one row linked to `user`."""
    return {
        key
        for key, model, field, rule in installed_policy()
        if rule.export and model._base_manager.filter(**{field.name: user}).exists()
    }


def database_dump(leave_out=()):
    chunks = []
    for model in apps.get_models(include_auto_created=True):
        if model._meta.label in leave_out:
            continue
        chunks.append(serializers.serialize("json", model._base_manager.all()))
    from django.contrib.sessions.models import Session

    chunks += [json.dumps(session.get_decoded()) for session in Session.objects.all()]
    return "\n".join(chunks).lower()


def totals(world):
    from comments.models import Comment
    from live.models import PollAnswer
    from proposals.models import Proposal
    from questionnaires.models import Response

    return {
        "supports": sorted(Proposal.objects.values_list("pk", "support_count")),
        "likes": sorted(Comment.objects.values_list("pk", "like_count")),
        "poll": PollAnswer.objects.filter(poll=world["poll"]).count(),
        "responses": Response.objects.count(),
        "comments": Comment.objects.count(),
    }


# Export ---------------------------------------------------------------------------------------------


def test_export_has_a_json_and_csv_file_for_every_relation_that_holds_the_persons_rows(world, password):
    alice = world["alice"]
    expected = rows_linked_to(alice)
    assert {
        "proposals.Proposal.author",
        "comments.Comment.author",
        "proposals.Support.user",
        "live.PollAnswer.user",
        "desk.Request.requester",
        "questionnaires.Response.respondent",
    } <= expected

    archive, filename = export.export_data(alice, password=password)
    names = set(open_zip(archive).namelist())

    assert filename.startswith("meydan-data-") and filename.endswith(".zip")
    for key in expected | {"accounts.User", "desk.Satisfaction"}:
        assert {f"{key}.json", f"{key}.csv"} <= names, key
    assert "README.txt" in names
    assert any(name.startswith("files/proposals.Proposal.author/") for name in names)
    assert any(name.startswith("files/desk.Request.requester/") for name in names)


def test_export_holds_the_persons_own_rows_and_nothing_of_anybody_else(world, password):
    alice = world["alice"]
    archive, _ = export.export_data(alice, password=password)
    zipped = open_zip(archive)
    everything = "\n".join(
        zipped.read(name).decode("utf-8") for name in zipped.namelist() if not name.startswith("files/")
    )

    comments = json.loads(zipped.read("comments.Comment.author.json"))
    assert [row["id"] for row in comments] == [world["alice_comment"].pk]
    assert TEXT_MARK in comments[0]["text"]
    profile = json.loads(zipped.read("accounts.User.json"))
    assert profile[0]["email"] == alice.email
    assert {row["proposal_id"] for row in json.loads(zipped.read("proposals.Support.user.json"))} == {
        world["bob_proposal"].pk
    }
    # Bob liked Alice's comment and wrote to her: neither his name nor his address is in her export.
    assert BOB_MARK not in everything.replace(f"Bob {BOB_MARK} yanıtladı", "")
    assert "likes" not in json.dumps(comments)


def test_notifications_export_the_text_the_person_received(world, password):
    archive, _ = export.export_data(world["alice"], password=password)
    rows = json.loads(open_zip(archive).read("notifications.Notification.user.json"))
    assert [row["title"] for row in rows] == ["Yanıt"]


def test_the_csv_files_open_as_utf8_and_neutralise_formulas(world, password):
    from comments.models import Comment

    Comment.objects.filter(pk=world["alice_comment"].pk).update(text='=HYPERLINK("http://evil")')
    archive, _ = export.export_data(world["alice"], password=password)
    text = open_zip(archive).read("comments.Comment.author.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    assert "'=HYPERLINK" in text


def test_a_second_export_within_ten_minutes_is_refused(world, password):
    export.export_data(world["alice"], password=password)
    with pytest.raises(PrivacyRefused) as refused:
        export.export_data(world["alice"], password=password)
    assert refused.value.code == "rate_limited"


def test_export_with_a_wrong_password_is_refused_and_does_not_use_up_the_allowance(world, password):
    with pytest.raises(PrivacyRefused) as refused:
        export.export_data(world["alice"], password="not-my-password")
    assert refused.value.code == "wrong_password"
    archive, _ = export.export_data(world["alice"], password=password)
    assert "README.txt" in open_zip(archive).namelist()


# Erasure --------------------------------------------------------------------------------------------


def test_erasure_keeping_contributions_leaves_no_trace_of_the_person_and_keeps_every_total(world, password, client):
    from comments.models import Comment

    alice = world["alice"]
    client.force_login(alice)
    before = totals(world)
    assert ALICE_MARK in database_dump()

    erasure.erase_account(alice, password=password, mode=erasure.KEEP_CONTRIBUTIONS)

    assert totals(world) == before
    assert ALICE_MARK not in database_dump()
    comment = Comment.objects.select_related("author").get(pk=world["alice_comment"].pk)
    assert comment.text.startswith("Katılıyorum") and comment.author.public_name == "former participant"
    alice.refresh_from_db()
    assert not alice.is_active and not alice.has_usable_password() and erasure.is_erased(alice)
    assert not alice.memberships.exists() and not alice.notifications.exists()
    assert client.get("/accounts/profile/").status_code == 302  # the session ended
    # Bob's things are untouched.
    world["bob"].refresh_from_db()
    assert world["bob"].display_name == f"Bob {BOB_MARK}" and world["bob"].memberships.count() == 1


def test_erasure_removing_contributions_wipes_the_persons_texts_and_keeps_every_total(world, password):
    from comments.models import Comment
    from desk.models import Request
    from live.models import LiveComment
    from proposals.models import Proposal

    before = totals(world)
    erasure.erase_account(world["alice"], password=password, mode=erasure.REMOVE_CONTRIBUTIONS)

    assert totals(world) == before
    assert ALICE_MARK not in database_dump()
    # Questionnaire answers stay in the results (unlinked), whatever the choice.
    assert TEXT_MARK not in database_dump(leave_out={"questionnaires.Response"})
    comment = Comment.objects.get(pk=world["alice_comment"].pk)
    assert comment.is_deleted and comment.text == ""
    assert Comment.objects.get(pk=world["bob_reply"].pk).parent_id == comment.pk  # the thread stays whole
    proposal = Proposal.objects.get(pk=world["alice_proposal"].pk)
    assert not proposal.image and proposal.support_count == 1
    assert LiveComment.objects.get(pk=world["alice_live"].pk).hidden
    request = Request.objects.get(pk=world["request"].pk)
    assert request.requester is None and not request.photo
    assert (request.kind, request.district, request.status) == ("complaint", "Moda", "closed")


def test_erasure_twice_changes_nothing_the_second_time(world, password):
    alice = world["alice"]
    erasure.erase_account(alice, password=password, mode=erasure.KEEP_CONTRIBUTIONS)
    alice.refresh_from_db()
    email, dump = alice.email, database_dump()
    erasure.erase_account(alice, password=password, mode=erasure.REMOVE_CONTRIBUTIONS)
    alice.refresh_from_db()
    assert alice.email == email and database_dump() == dump


def test_erasure_with_a_wrong_password_changes_nothing(world):
    dump = database_dump()
    with pytest.raises(PrivacyRefused) as refused:
        erasure.erase_account(world["alice"], password="guess", mode=erasure.KEEP_CONTRIBUTIONS)
    assert refused.value.code == "wrong_password"
    assert database_dump() == dump


def test_erasure_is_one_transaction(world, password, monkeypatch):
    def broken(queryset, field, erasure_):
        raise RuntimeError("disk full")

    monkeypatch.setitem(erasure.HANDLERS, "delete_user_profile", broken)
    monkeypatch.setitem(erasure.HANDLERS, "unlock_page", broken)
    dump = database_dump()
    with pytest.raises(RuntimeError):
        erasure.erase_account(world["alice"], password=password, mode=erasure.KEEP_CONTRIBUTIONS)
    assert database_dump() == dump


def test_an_erased_person_cannot_log_in(world, password, client):
    email = world["alice"].email
    erasure.erase_account(world["alice"], password=password, mode=erasure.KEEP_CONTRIBUTIONS)
    response = client.post("/accounts/login/", {"username": email, "password": password})
    assert response.status_code == 200 and "_auth_user_id" not in client.session


def test_requests_sent_without_an_account_from_the_same_address_are_unlinked_too(world, password):
    from desk.models import Request

    old = world["request"]
    anonymous = Request.objects.create(
        kind="request",
        municipality=old.municipality,
        topic=old.topic,
        department=old.department,
        contact_email=world["alice"].email.upper(),
        text="Hesapsız",
        status="received",
        due_at=timezone.now(),
    )
    erasure.erase_account(world["alice"], password=password, mode=erasure.KEEP_CONTRIBUTIONS)
    anonymous.refresh_from_db()
    assert ALICE_MARK not in anonymous.contact_email.lower() and anonymous.contact_email.endswith(".invalid")
