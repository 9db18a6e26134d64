"""Position papers: only administrators of verified organisations, while the consultation is open; one
per organisation (a second upload replaces the first); PDFs checked by content; served as downloads."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation

from consultations.models import ConsultationPage, PositionPaper
from meydan.accounts.models import Membership

pytestmark = pytest.mark.django_db

ROLES = ("anonymous", "resident", "ngo_member", "ngo_admin", "official", "editor", "comms_approver")
PHASES = ("upcoming", "open", "closed", "reported")

PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
PDF_WITH_SCRIPT = b"%PDF-1.4\n1 0 obj\n<< /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>\nendobj\n%%EOF\n"


@pytest.fixture(autouse=True)
def english():
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def upload(data=PDF, name="position.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def submit(client, page, org, file=None, **fields):
    fields.setdefault("organisation", str(org.pk))
    data = {
        "title": "Our position on the park plan",
        "summary": "We support the plan with two changes.",
        "file": file or upload(),
        **fields,
    }
    return client.post(reverse("consultations:submit_paper", args=[page.pk]), data)


def stored_files(media):
    folder = media / PositionPaper.UPLOAD_FOLDER
    return sorted(path.name for path in folder.iterdir()) if folder.exists() else []


# Only administrators of a verified organisation, only while the consultation is open.
SUBMIT_POLICY = {(role, phase): role == "ngo_admin" and phase == "open" for role in ROLES for phase in PHASES}
REFUSAL_TEXT = {
    "anonymous": "Log in to take part.",
    "resident": "Only an administrator of a verified organisation may submit a position paper.",
    "ngo_member": "Only an administrator of a verified organisation may submit a position paper.",
    "official": "Only an administrator of a verified organisation may submit a position paper.",
    "editor": "Only an administrator of a verified organisation may submit a position paper.",
    "comms_approver": "Only an administrator of a verified organisation may submit a position paper.",
}


@pytest.mark.parametrize(("role", "phase"), sorted(SUBMIT_POLICY))
def test_submit_paper_grid(client, make_page, people, ngo, media, role, phase):
    page = make_page("consultation", phase=phase)
    if people[role]:
        client.force_login(people[role])
    response = submit(client, page, ngo)
    stored = PositionPaper.objects.filter(page=page).exists()
    if SUBMIT_POLICY[(role, phase)]:
        assert response.status_code == 302
        paper = PositionPaper.objects.get(page=page)
        assert (paper.organisation, paper.submitted_by) == (ngo, people[role])
        assert response["Location"].endswith(f"#paper-{paper.pk}")
        assert len(stored_files(media)) == 1
    else:
        assert response.status_code == 403
        assert not stored
        assert stored_files(media) == []
        expected = REFUSAL_TEXT[role] if role == "anonymous" or phase == "open" else "This participation is not open"
        assert expected in response.text


def test_form_is_offered_to_ngo_admins_only_while_open(client, make_page, people, ngo):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    html = client.get(page.url).text
    assert f'action="{reverse("consultations:submit_paper", args=[page.pk])}"' in html
    assert 'enctype="multipart/form-data"' in html
    assert ngo.name in html
    client.force_login(people["ngo_member"])
    html = client.get(page.url).text
    assert "consultations:submit_paper" not in html and 'enctype="multipart/form-data"' not in html
    assert "Only an administrator of a verified organisation may submit a position paper." in html
    client.logout()
    assert "Log in" in client.get(page.url).text


def test_page_lists_papers_with_organisation_summary_and_download(client, make_page, people, ngo):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    submit(client, page, ngo, summary="Plant more <b>trees</b>.")
    paper = PositionPaper.objects.get()
    client.logout()
    html = client.get(page.url).text
    assert f'id="paper-{paper.pk}"' in html
    assert f"Official position of {ngo.name}" in html
    assert "Plant more &lt;b&gt;trees&lt;/b&gt;." in html
    assert reverse("consultations:paper_download", args=[paper.pk]) in html


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (upload(b"GIF89a not a pdf", name="paper.pdf"), "This file is not a PDF document."),
        (upload(b"MZ\x90\x00 an executable", name="paper.pdf"), "This file is not a PDF document."),
        (upload(PDF_WITH_SCRIPT), "This PDF contains scripts or embedded programs"),
        (upload(b"%PDF-1.4\nno end of file marker"), "This PDF is damaged or incomplete."),
        (upload(b"", name="empty.pdf"), "The file is empty."),
    ],
    ids=["gif", "exe", "javascript", "truncated", "empty"],
)
def test_bad_files_are_refused_with_a_message_and_the_input_kept(client, make_page, people, ngo, media, file, message):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    response = submit(client, page, ngo, file=file, title="Kept title", summary="Kept summary")
    assert response.status_code == 400
    assert message in response.text
    assert 'value="Kept title"' in response.text and "Kept summary" in response.text
    assert not PositionPaper.objects.exists()
    assert stored_files(media) == []


def test_a_file_over_the_limit_is_refused(client, make_page, people, ngo, settings):
    settings.MEYDAN_MAX_DOCUMENT_BYTES = 1024
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    big = PDF[:-7] + b"%" + b"x" * 2048 + b"\n%%EOF\n"
    response = submit(client, page, ngo, file=upload(big))
    assert response.status_code == 400
    assert "This file is larger than 1.0\xa0KB, the largest document allowed." in response.text
    assert not PositionPaper.objects.exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"title": ""}, "Give your position paper a title."),
        ({"summary": "   "}, "Summarise your position in a few sentences."),
        ({"summary": "x" * 2001}, "at most 2000 characters"),
        ({"title": "t" * 201}, "at most 200 characters"),
        ({"organisation": "abc"}, "Choose an organisation you administer."),
    ],
)
def test_bad_fields_are_refused(client, make_page, people, ngo, fields, message):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    response = submit(client, page, ngo, **fields)
    assert response.status_code == 400, response.status_code
    assert message in response.text
    assert not PositionPaper.objects.exists()


def test_a_summary_of_exactly_the_limit_with_browser_line_breaks_is_accepted(client, make_page, people, ngo):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    summary = "a" * 999 + "\r\n" + "a" * 1000  # 2,000 characters as the browser counts them
    assert submit(client, page, ngo, summary=summary).status_code == 302
    assert PositionPaper.objects.get().summary == "a" * 999 + "\n" + "a" * 1000


def test_speaking_for_another_organisation_is_refused(client, make_page, people, make_organisation):
    other = make_organisation(name="Other association")
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    response = submit(client, page, other)
    assert response.status_code == 400
    assert "Choose an organisation you administer." in response.text
    assert not PositionPaper.objects.exists()


@pytest.mark.parametrize(
    ("status", "message"),
    [
        ("pending", "Your organisation is awaiting verification."),
        ("rejected", "registration was rejected, so it cannot submit position papers"),
    ],
)
def test_admins_of_unverified_organisations_are_told_why(
    client, make_page, make_user, make_organisation, status, message
):
    admin = make_user()
    organisation = make_organisation(status=status, members=[(admin, Membership.Role.ADMIN)])
    page = make_page("consultation", phase="open")
    client.force_login(admin)
    assert message in client.get(page.url).text
    response = submit(client, page, organisation)
    assert response.status_code == 403
    assert message in response.text
    assert not PositionPaper.objects.exists()


def test_consultation_without_papers_refuses_them(client, make_page, people, ngo):
    page = make_page("consultation", phase="open", accepts_position_papers=False)
    client.force_login(people["ngo_admin"])
    response = submit(client, page, ngo)
    assert response.status_code == 403
    assert "This consultation does not take position papers." in response.text
    assert "Position papers of organisations" not in client.get(page.url).text


def test_second_upload_replaces_the_paper_and_deletes_the_old_file(
    client, make_page, people, ngo, media, django_capture_on_commit_callbacks
):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        submit(client, page, ngo, title="First version")
    first = PositionPaper.objects.get()
    old_file = first.file.name
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(client, page, ngo, title="Second version")
    assert response.status_code == 302
    follow = client.get(response["Location"])
    assert "has been replaced by the new file" in follow.text
    paper = PositionPaper.objects.get()
    assert (paper.pk, paper.title) == (first.pk, "Second version")
    assert paper.file.name != old_file
    assert stored_files(media) == [paper.file.name.split("/")[-1]]


def test_refused_replacement_keeps_the_existing_paper_and_file(client, make_page, people, ngo, media):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    submit(client, page, ngo, title="Accepted")
    before = PositionPaper.objects.get()
    response = submit(client, page, ngo, title="Replacement", file=upload(PDF_WITH_SCRIPT))
    assert response.status_code == 400
    after = PositionPaper.objects.get()
    assert (after.title, after.file.name, after.submitted_at) == (before.title, before.file.name, before.submitted_at)
    assert stored_files(media) == [before.file.name.split("/")[-1]]
    # After closing, a replacement is refused and the paper stays too.
    ConsultationPage.objects.filter(pk=page.pk).update(closes_at=timezone.now())
    assert submit(client, page, ngo, title="Too late").status_code == 403
    assert PositionPaper.objects.get().title == "Accepted"


def test_the_database_holds_one_paper_per_organisation_and_consultation(make_page, ngo, people):
    page = make_page("consultation", phase="open")
    PositionPaper.objects.create(page=page, organisation=ngo, title="A", summary="S", file="position-papers/a.pdf")
    with pytest.raises(IntegrityError), transaction.atomic():
        PositionPaper.objects.create(page=page, organisation=ngo, title="B", summary="S", file="position-papers/b.pdf")


def test_download_is_a_safe_attachment(client, make_page, people, ngo):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    submit(client, page, ngo, title='Our "view"/../../etc')
    paper = PositionPaper.objects.get()
    client.logout()
    response = client.get(reverse("consultations:paper_download", args=[paper.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "/" not in response["Content-Disposition"].split("filename=")[1]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PDF


def test_download_of_an_unpublished_consultation_or_missing_paper_is_404(client, make_page, people, ngo):
    page = make_page("consultation", phase="open")
    client.force_login(people["ngo_admin"])
    submit(client, page, ngo)
    paper = PositionPaper.objects.get()
    page.unpublish()
    assert client.get(reverse("consultations:paper_download", args=[paper.pk])).status_code == 404
    assert client.get(reverse("consultations:paper_download", args=[999_999])).status_code == 404


def test_get_on_the_upload_address_goes_back_to_the_page(client, make_page):
    page = make_page("consultation", phase="open")
    response = client.get(reverse("consultations:submit_paper", args=[page.pk]))
    assert response.status_code == 302
    assert response["Location"].endswith("#position-papers")
