import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from desk import services
from desk.models import Request, Satisfaction, Status, TimelineEntry

from .conftest import png_bytes

pytestmark = pytest.mark.django_db

ROLES = ["anonymous", "requester", "resident", "official", "other_official", "municipality_admin"]


@pytest.fixture
def people(requester, resident, official, other_official, municipality_admin):
    return {
        "anonymous": None,
        "requester": requester,
        "resident": resident,
        "official": official,
        "other_official": other_official,
        "municipality_admin": municipality_admin,
    }


@pytest.fixture
def as_role(client, people):
    def login(role):
        client.logout()
        if people[role] is not None:
            client.force_login(people[role])
        return client

    return login


@pytest.fixture
def with_photo(make_request, photo):
    return make_request(photo=photo)


# The permission grid ---------------------------------------------------------------------------------


SEES = {"requester", "official", "municipality_admin"}


@pytest.mark.parametrize("role", ROLES)
def test_view_and_photo(as_role, with_photo, role):
    client = as_role(role)
    page = client.get(reverse("desk:detail", args=[with_photo.pk]))
    image = client.get(reverse("desk:photo", args=[with_photo.pk]))
    expected = 200 if role in SEES else 404
    assert page.status_code == expected
    assert image.status_code == expected
    if role in SEES:
        assert "requester@example.org" in page.content.decode() or role == "requester"
        assert image["Content-Type"] == "image/png" and "no-store" in image["Cache-Control"]
        assert with_photo.text in page.content.decode()
    else:
        assert with_photo.text not in page.content.decode()


HANDLERS = {"official", "municipality_admin"}


def _expected_staff_status(role):
    if role in HANDLERS:
        return 302
    return 403 if role == "requester" else 404


@pytest.mark.parametrize("role", ROLES)
def test_answer(as_role, make_request, role):
    req = make_request()
    response = as_role(role).post(reverse("desk:answer", args=[req.pk]), {"text": "Onarılacak."})
    assert response.status_code == _expected_staff_status(role)
    assert req.timeline.filter(kind="answered").exists() == (role in HANDLERS)


@pytest.mark.parametrize("role", ROLES)
def test_redirect(as_role, make_request, other_department, role):
    req = make_request()
    response = as_role(role).post(
        reverse("desk:redirect", args=[req.pk]), {"target": other_department.pk, "reason": "Parklar"}
    )
    assert response.status_code == _expected_staff_status(role)
    req.refresh_from_db()
    assert (req.department_id == other_department.pk) == (role in HANDLERS)


@pytest.mark.parametrize("role", ROLES)
def test_close(as_role, make_request, role):
    req = make_request()
    response = as_role(role).post(reverse("desk:close", args=[req.pk]))
    may = role in SEES
    assert response.status_code == (302 if may else 404)
    req.refresh_from_db()
    assert (req.status == Status.CLOSED) == may


@pytest.mark.parametrize("role", ROLES)
def test_rate(as_role, make_request, requester, role):
    req = make_request()
    services.close_request(requester, req)
    response = as_role(role).post(reverse("desk:rate", args=[req.pk]), {"rating": "5"})
    expected = {"requester": 302, "official": 403, "municipality_admin": 403}.get(role, 404)
    assert response.status_code == expected
    assert Satisfaction.objects.exists() == (role == "requester")


def test_timeline_hides_internal_notes_from_the_requester(client, make_request, official, requester):
    req = make_request()
    services.add_note(official, req, "Ekip müsait değil")
    client.force_login(requester)
    assert "Ekip müsait değil" not in client.get(req.get_absolute_url()).content.decode()
    client.force_login(official)
    assert "Ekip müsait değil" in client.get(req.get_absolute_url()).content.decode()


def test_answer_is_shown_as_escaped_plain_text(client, make_request, official, requester):
    req = make_request()
    services.answer_request(official, req, "<script>alert(1)</script> bakınız https://example.org")
    client.force_login(requester)
    content = client.get(req.get_absolute_url()).content.decode()
    assert "<script>alert(1)" not in content and "&lt;script&gt;" in content
    assert 'href="https://example.org"' in content


# Submitting: hostile input ---------------------------------------------------------------------------


SUBMIT = reverse("desk:submit")


def _post(client, **fields):
    data = {"kind": "complaint", "text": "Kaldırım kırık ve tehlikeli.", "district": "Moda", **fields}
    return client.post(SUBMIT, data)


def test_logged_in_submission_shows_and_mails_the_code(client, requester, topic, django_capture_on_commit_callbacks):
    client.force_login(requester)
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, topic=topic.pk, photo=SimpleUploadedFile("a.png", png_bytes()))
    req = Request.objects.get()
    assert response.status_code == 302
    page = client.get(response.url).content.decode()
    assert req.tracking_code in page
    assert req.tracking_code in mail.outbox[0].body
    # The upload's own name is dropped for a random one (a hex tail may end in "a.png", so match it whole).
    assert re.fullmatch(r"desk/photos/\d{4}/\d{2}/[0-9a-f]{32}\.png", req.photo.name)


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"topic": "999999"}, "Choose one of the topics."),
        ({"topic": "abc"}, "Choose one of the topics."),
        ({"kind": "lawsuit"}, "Select a valid choice"),
        ({"text": "x" * 5001}, "at most 5000 characters"),
        ({"photo": SimpleUploadedFile("x.png", b"<html><script>alert(1)</script>")}, "not a JPEG, PNG or WebP"),
        ({"photo": SimpleUploadedFile("x.png", png_bytes()[:60])}, "damaged"),
        ({"attachments": SimpleUploadedFile("evil.pdf", b"MZ\x90\x00 not a pdf")}, "PDF documents or JPEG"),
    ],
)
def test_bad_submissions_get_a_message_and_keep_the_rest(client, requester, topic, fields, message):
    client.force_login(requester)
    fields.setdefault("topic", topic.pk)
    response = _post(client, **fields)
    content = response.content.decode()
    assert response.status_code == 400
    assert message in content
    assert "Moda" in content  # the district typed is still in the form
    assert not Request.objects.exists()


def test_oversized_attachment_is_refused(client, requester, topic, monkeypatch):
    monkeypatch.setattr("desk.uploads.MAX_ATTACHMENT_BYTES", 1000)
    client.force_login(requester)
    response = _post(client, topic=topic.pk, attachments=SimpleUploadedFile("big.pdf", b"%PDF-1.4\n" + b"0" * 2000))
    assert response.status_code == 400 and "larger than" in response.content.decode()


def test_pdf_attachment_is_served_only_as_a_download(client, requester, resident, topic):
    client.force_login(requester)
    _post(client, topic=topic.pk, attachments=SimpleUploadedFile("Plan <1>.pdf", b"%PDF-1.4\n%%EOF\n"))
    req = Request.objects.get()
    item = req.attachments.get()
    url = reverse("desk:attachment", args=[req.pk, item.pk])
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;") and "<" not in response["Content-Disposition"]
    client.force_login(resident)
    assert client.get(url).status_code == 404


def test_unconfirmed_account_sees_why(client, make_user, topic):
    client.force_login(make_user(confirmed=False))
    response = _post(client, topic=topic.pk)
    assert response.status_code == 403 and "Confirm your e-mail address" in response.content.decode()


def test_anonymous_submission_by_confirmed_link(client, topic, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, topic=topic.pk, contact_email="kisi@example.org")
    assert response.status_code == 200 and "kisi@example.org" in response.content.decode()
    link = re.search(r"https?://[^/\s]+(/desk/confirm/\S+/)", mail.outbox[0].body).group(1)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.get(link)
    req = Request.objects.get()
    assert req.tracking_code in response.content.decode()
    assert req.tracking_code in mail.outbox[1].body
    # The confirming browser may follow the request without an account.
    assert client.get(req.get_absolute_url()).status_code == 200


def test_anonymous_submission_without_address_is_refused(client, topic):
    response = _post(client, topic=topic.pk)
    assert response.status_code == 400 and not Request.objects.exists()


# Requester's pages ------------------------------------------------------------------------------------


def test_my_requests_lists_only_mine(client, make_request, requester, resident):
    mine = make_request()
    theirs = make_request(user=resident)
    client.force_login(requester)
    content = client.get(reverse("desk:mine")).content.decode()
    assert mine.tracking_code in content and theirs.tracking_code not in content


def test_overdue_is_shown(client, make_request, requester):
    from datetime import timedelta

    from django.utils import timezone

    req = make_request()
    Request.objects.filter(pk=req.pk).update(due_at=timezone.now() - timedelta(days=1))
    client.force_login(requester)
    assert "overdue" in client.get(req.get_absolute_url()).content.decode()
    assert "Overdue" in client.get(reverse("desk:mine")).content.decode()


def test_reopen_twice_and_rate_twice_get_clear_messages(client, make_request, requester):
    req = make_request()
    client.force_login(requester)
    client.post(reverse("desk:close", args=[req.pk]))
    assert client.post(reverse("desk:reopen", args=[req.pk]), {"reason": "Olmadı"}).status_code == 302
    client.post(reverse("desk:close", args=[req.pk]))
    response = client.post(reverse("desk:reopen", args=[req.pk]), {"reason": "Yine"})
    assert response.status_code == 409 and "only once" in response.content.decode()
    assert client.post(reverse("desk:rate", args=[req.pk]), {"rating": "3"}).status_code == 302
    response = client.post(reverse("desk:rate", args=[req.pk]), {"rating": "4"})
    assert response.status_code == 409 and "already rated" in response.content.decode()
    response = client.post(reverse("desk:rate", args=[req.pk]), {"rating": "9"})
    assert response.status_code == 400 and "from 1 to 5" in response.content.decode()


def test_answer_form_keeps_the_text_when_refused(client, make_request, official):
    req = make_request()
    services.close_request(official, req)
    client.force_login(official)
    response = client.post(reverse("desk:answer", args=[req.pk]), {"text": "Geç kalmış cevap"})
    assert response.status_code == 409


def test_reply_template_prefills_the_answer(client, make_request, official, department):
    from desk.models import ReplyTemplate

    template = ReplyTemplate.objects.create(department=department, title="Teşekkür", body="İnceleyeceğiz.")
    req = make_request()
    client.force_login(official)
    content = client.get(req.get_absolute_url(), {"template": template.pk}).content.decode()
    assert "İnceleyeceğiz.</textarea>" in content


# Lookup without an account -----------------------------------------------------------------------------


LOOKUP = reverse("desk:lookup")


def _normalised(response):
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def test_lookup_with_the_right_pair_shows_the_timeline(client, make_request):
    req = make_request()
    response = client.post(LOOKUP, {"code": req.tracking_code.lower(), "email": "REQUESTER@example.org"})
    assert response.status_code == 302
    assert "Received" in client.get(response.url).content.decode()


def test_wrong_code_and_wrong_address_look_the_same(client, make_request):
    req = make_request()
    wrong_code = client.post(LOOKUP, {"code": "MYD-2222-2222", "email": "requester@example.org"})
    wrong_email = client.post(LOOKUP, {"code": req.tracking_code, "email": "someone@example.org"})
    assert wrong_code.status_code == wrong_email.status_code == 404
    assert _normalised(wrong_code) == _normalised(wrong_email)
    assert client.get(req.get_absolute_url()).status_code == 404


def test_lookup_queries_the_same_either_way(client, make_request, django_assert_num_queries):
    req = make_request()
    client.get(LOOKUP)  # session and CSRF cookie
    counts = []
    for data in (
        {"code": "MYD-2222-2222", "email": "requester@example.org"},
        {"code": req.tracking_code, "email": "someone@example.org"},
    ):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            client.post(LOOKUP, data)
        counts.append(len(queries))
    assert counts[0] == counts[1]


@pytest.mark.parametrize("code", ["MYD-7KQ4", "ABC-7KQ4-92XH", "MYD-0000-1111", "'; DROP TABLE--", "x" * 39])
def test_lookup_checks_the_code_format(client, code):
    response = client.post(LOOKUP, {"code": code, "email": "a@example.org"})
    assert response.status_code == 400 and "A tracking code looks like" in response.content.decode()


def test_lookup_is_rate_limited(client):
    for _ in range(10):
        client.post(LOOKUP, {"code": "MYD-2222-2222", "email": "a@example.org"})
    response = client.post(LOOKUP, {"code": "MYD-2222-2222", "email": "a@example.org"})
    assert response.status_code == 429 and "Too many attempts" in response.content.decode()


def test_lookup_session_can_close_and_rate(client, make_request):
    req = make_request()
    client.post(LOOKUP, {"code": req.tracking_code, "email": "requester@example.org"})
    assert client.post(reverse("desk:close", args=[req.pk])).status_code == 302
    assert client.post(reverse("desk:rate", args=[req.pk]), {"rating": "2"}).status_code == 302
    assert TimelineEntry.objects.filter(request=req, kind="rated").exists()
