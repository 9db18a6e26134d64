"""The one place document uploads (PDF) are checked, and the one way they are served back.

A PDF is accepted by what it is, not by what its name or the browser's content type claim: the file
must start with the PDF signature, end with an end-of-file marker, fit the size limit and carry no
JavaScript or launch actions (a PDF can run script in some readers). Files are stored under random
names and always served as attachments with `nosniff`, so a browser never renders one in our origin.
"""

import contextlib
import re
import secrets

from django.conf import settings
from django.http import FileResponse
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.text import get_valid_filename
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

DEFAULT_MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"
# The signature may follow up to 1 KB of junk in real-world files; readers accept that, so do we.
SIGNATURE_WINDOW = 1024
EOF_WINDOW = 2048
# Names in PDF are case-sensitive; /JS and /JavaScript run script, /Launch starts programs,
# /EmbeddedFile can smuggle executables. #xx escapes are decoded before matching.
_ACTIVE_CONTENT = re.compile(rb"/(JavaScript|JS|Launch|EmbeddedFiles?|RichMedia|XFA)\b")
_NAME_ESCAPE = re.compile(rb"#([0-9A-Fa-f]{2})")

_MESSAGES = {
    "format": _("This file is not a PDF document."),
    "corrupt": _("This PDF is damaged or incomplete."),
    "active": _("This PDF contains scripts or embedded programs, which we do not accept. Please export it again."),
    "empty": _("The file is empty."),
}


def max_document_bytes() -> int:
    return getattr(settings, "MEYDAN_MAX_DOCUMENT_BYTES", DEFAULT_MAX_DOCUMENT_BYTES)


def _too_large_text(limit: int) -> str:
    return gettext("This file is larger than %(limit)s, the largest document allowed.") % {
        "limit": filesizeformat(limit)
    }


_too_large_message = lazy(_too_large_text, str)


class DocumentRejected(Exception):
    """An upload that must not be stored. ``message`` is safe to show to the uploader."""

    def __init__(self, code: str):
        self.code = code
        self.message = _too_large_message(max_document_bytes()) if code == "too_large" else _MESSAGES[code]
        super().__init__(self.message)


def _rewind(file) -> None:
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)


def _read_within_limit(file) -> bytes:
    limit = max_document_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise DocumentRejected("too_large")
    _rewind(file)
    data = file.read(limit + 1)
    _rewind(file)
    if len(data) > limit:
        raise DocumentRejected("too_large")
    return data


def validate_pdf(file) -> None:
    """Raise DocumentRejected unless `file` is a PDF we are willing to store and serve."""
    data = _read_within_limit(file)
    if not data:
        raise DocumentRejected("empty")
    if PDF_SIGNATURE not in data[:SIGNATURE_WINDOW]:
        raise DocumentRejected("format")
    if b"%%EOF" not in data[-EOF_WINDOW:]:
        raise DocumentRejected("corrupt")
    decoded = _NAME_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data)
    if _ACTIVE_CONTENT.search(decoded):
        raise DocumentRejected("active")


def random_pdf_name(instance, filename) -> str:
    """upload_to callable: the uploader's file name never reaches the file system."""
    folder = getattr(instance, "UPLOAD_FOLDER", "documents")
    return f"{folder}/{secrets.token_urlsafe(16)}.pdf"


def download_name(title: str, fallback: str = "document") -> str:
    name = get_valid_filename(title)[:80] if title else ""
    return f"{name or fallback}.pdf"


def pdf_response(field_file, title: str) -> FileResponse:
    """Serve a stored PDF as a download that browsers will not render or sniff in our origin."""
    response = FileResponse(
        field_file.open("rb"), as_attachment=True, filename=download_name(title), content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response
