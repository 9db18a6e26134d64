"""Position papers and attachments: only real, inert PDFs within the size limit are stored."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from meydan import documents
from meydan.documents import DocumentRejected, validate_pdf

MINIMAL_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 612 792]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload(data, name="paper.pdf", content_type="application/pdf"):
    return SimpleUploadedFile(name, data, content_type=content_type)


def rejection(data, **kwargs):
    with pytest.raises(DocumentRejected) as caught:
        validate_pdf(upload(data, **kwargs))
    return caught.value.code


def test_a_real_pdf_is_accepted_and_left_readable_from_the_start():
    file = upload(MINIMAL_PDF)
    validate_pdf(file)
    assert file.read(5) == b"%PDF-"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"<html><script>alert(1)</script></html>", "format"),
        (b"\x89PNG\r\n\x1a\n" + b"0" * 100, "format"),
        (MINIMAL_PDF[:-8], "corrupt"),
        (MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/JavaScript/JS(alert(1))>>"), "active"),
        (MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/Launch/F(cmd.exe)>>"), "active"),
        # Name escapes spell the same keyword without its letters appearing in the file.
        (MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/OpenAction<</S/J#61vaScript>>"), "active"),
        (MINIMAL_PDF.replace(b"/Type/Catalog", b"/Type/Catalog/Names<</EmbeddedFiles 5 0 R>>"), "active"),
    ],
    ids=["empty", "html", "png", "truncated", "javascript", "launch", "escaped-name", "embedded-file"],
)
def test_files_that_are_not_inert_pdfs_are_refused_with_a_reason(data, code):
    assert rejection(data) == code


def test_the_name_and_claimed_type_do_not_matter():
    assert rejection(b"<svg onload=alert(1)>", name="paper.pdf", content_type="application/pdf") == "format"
    validate_pdf(upload(MINIMAL_PDF, name="paper.exe", content_type="text/html"))


def test_size_limit_from_settings_refuses_before_reading_everything(settings):
    settings.MEYDAN_MAX_DOCUMENT_BYTES = 1000
    big = MINIMAL_PDF + b"%" + b"x" * 2000 + b"\n%%EOF\n"
    assert rejection(big) == "too_large"
    assert "1000" in str(DocumentRejected("too_large").message)


def test_an_understated_size_does_not_let_a_large_body_through(settings):
    settings.MEYDAN_MAX_DOCUMENT_BYTES = 1000

    class Liar(io.BytesIO):
        size = 10

    with pytest.raises(DocumentRejected) as caught:
        validate_pdf(Liar(MINIMAL_PDF + b"%" + b"x" * 2000 + b"\n%%EOF\n"))
    assert caught.value.code == "too_large"


def test_stored_names_are_random_and_downloads_carry_safe_headers(tmp_path, settings):
    from django.core.files.storage import FileSystemStorage

    class Paper:
        UPLOAD_FOLDER = "papers"

    first, second = documents.random_pdf_name(Paper(), "../../etc/passwd"), documents.random_pdf_name(Paper(), "x")
    assert first.startswith("papers/") and first.endswith(".pdf") and first != second and ".." not in first
    storage = FileSystemStorage(location=tmp_path)
    name = storage.save("papers/a.pdf", io.BytesIO(MINIMAL_PDF))

    class Stored:
        def open(self, mode):
            return storage.open(name, mode)

    response = documents.pdf_response(Stored(), 'Our "position" <script>')
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert "<" not in response["Content-Disposition"] and '"position"' not in response["Content-Disposition"]
    assert b"".join(response.streaming_content) == MINIMAL_PDF
