"""Attachments to requests: PDF documents or images, recognised by their content, never by name.

Images go through meydan.images (re-encoded, metadata stripped). PDFs cannot be cleaned that way, so
they are stored as they came but only ever served as downloads (Content-Disposition: attachment,
nosniff) to the people allowed to see the request.
"""

from pathlib import Path

from django.template.defaultfilters import filesizeformat
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from meydan.images import ImageRejected, validate_and_normalise

MAX_ATTACHMENTS = 3
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
PDF_SIGNATURE = b"%PDF-"


class AttachmentRejected(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.message = message


def _display_name(original, extension):
    stem = get_valid_filename(Path(str(original or "")).stem)[:80] or "attachment"
    return f"{stem}.{extension}"


def validate_attachment(upload):
    """Return (file to store, display name, content type) or raise AttachmentRejected."""
    size = getattr(upload, "size", None)
    if size is not None and size > MAX_ATTACHMENT_BYTES:
        raise AttachmentRejected(
            _("“%(name)s” is larger than %(limit)s.")
            % {"name": _display_name(upload.name, "")[:-1], "limit": filesizeformat(MAX_ATTACHMENT_BYTES)}
        )
    upload.seek(0)
    head = upload.read(len(PDF_SIGNATURE))
    upload.seek(0)
    if head == PDF_SIGNATURE:
        # A bounded read: the declared size may lie.
        data = upload.read(MAX_ATTACHMENT_BYTES + 1)
        upload.seek(0)
        if len(data) > MAX_ATTACHMENT_BYTES:
            raise AttachmentRejected(
                _("An attachment may be at most %(limit)s.") % {"limit": filesizeformat(MAX_ATTACHMENT_BYTES)}
            )
        return upload, _display_name(upload.name, "pdf"), "application/pdf"
    try:
        clean = validate_and_normalise(upload)
    except ImageRejected as error:
        if error.code in ("format",):
            raise AttachmentRejected(_("Attach PDF documents or JPEG, PNG or WebP images only.")) from None
        raise AttachmentRejected(str(error.message)) from None
    extension = clean.name.rsplit(".", 1)[-1]
    return clean, _display_name(upload.name, extension), clean.content_type
