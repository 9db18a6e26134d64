"""The one place where uploaded images are validated and cleaned.

Every image a user uploads goes through ``validate_and_normalise`` and only its result is stored:
the bytes the client sent are never served back. Re-encoding is what makes that safe: it drops
metadata that can locate or identify the uploader (EXIF with GPS, XMP, comments, ICC descriptions)
and anything smuggled around the pixels (polyglot HTML/script after the end of the image).

Decisions:

* Format is decided by content, never by the filename or the declared content type, and only
  JPEG, PNG and WebP are opened: Pillow's parsers for every other format never see the bytes.
  Anything Pillow cannot identify as one of the three (GIF, SVG, PDF, HTML, empty files, random
  bytes) is rejected with code ``"format"``; ``"corrupt"`` is kept for files that start with the
  signature of one of the three but cannot be decoded (truncated, damaged).
* Animated images (APNG, animated WebP, multi-picture "MPO" JPEGs from cameras) keep their first
  frame only. Participants upload illustrations for proposals; a still image is always acceptable
  and refusing a phone's photo for carrying a second frame would only confuse people.
* CMYK becomes RGB: browsers render CMYK JPEGs inconsistently.
* ICC profiles are applied, then dropped: pixels are converted to sRGB so wide-gamut photos keep
  their colours, and the output carries no profile (profiles carry free-text fields). A broken
  profile is ignored rather than failing the upload, since it is metadata, not the picture.
"""

import contextlib
import io
import struct
import uuid
import warnings
import zlib

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageCms, ImageFile, ImageOps

DEFAULT_MAX_UPLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_MAX_IMAGE_PIXELS = 40_000_000

ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")

# Pillow reports camera multi-picture JPEGs as "MPO"; they are JPEG files with extra frames.
_FORMAT_ALIASES = {"MPO": "JPEG"}

_EXTENSIONS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
_CONTENT_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_SAVE_OPTIONS = {
    "JPEG": {"quality": 85, "optimize": True},
    "PNG": {"optimize": True},
    "WEBP": {"quality": 85},
}
# Leading bytes of JPEG and PNG; WebP's signature is split around the RIFF length field.
_SIGNATURES = (b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n")
# PNG can store these as they are; anything else is converted so the output opens everywhere.
_PNG_MODES = {"1", "L", "LA", "I", "I;16", "P", "RGB", "RGBA"}

# What Pillow's decoders raise on malformed input. Other exceptions are bugs and should surface as such.
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, IndexError, KeyError, struct.error, zlib.error)

_MESSAGES = {
    "format": _("This file is not a JPEG, PNG or WebP image."),
    "corrupt": _("This image is damaged or incomplete and cannot be read."),
}


def _max_upload_bytes() -> int:
    return getattr(settings, "MEYDAN_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD_BYTES)


def _max_image_pixels() -> int:
    return getattr(settings, "MEYDAN_MAX_IMAGE_PIXELS", DEFAULT_MAX_IMAGE_PIXELS)


def _too_large_text(limit: int) -> str:
    return gettext("This file is larger than %(limit)s, the largest upload allowed.") % {
        "limit": filesizeformat(limit)
    }


def _too_many_pixels_text(limit: int) -> str:
    return gettext("This image has more than %(megapixels)s megapixels. Please upload a smaller one.") % {
        "megapixels": f"{limit / 1_000_000:g}"
    }


# Lazy so the message is rendered in the language of the response that shows it, not the request
# that raised it.
_too_large_message = lazy(_too_large_text, str)
_too_many_pixels_message = lazy(_too_many_pixels_text, str)


def _message(code: str):
    if code == "too_large":
        return _too_large_message(_max_upload_bytes())
    if code == "too_many_pixels":
        return _too_many_pixels_message(_max_image_pixels())
    return _MESSAGES[code]


class ImageRejected(Exception):
    """An upload that must not be stored. ``message`` is safe to show to the uploader."""

    def __init__(self, code: str):
        self.code = code
        self.message = _message(code)
        super().__init__(self.message)


def _configure_pillow() -> None:
    # Pillow's own bomb check runs inside Image.open(), before we get to look at the size, so it
    # must agree with our limit. Importing outside a configured project falls back to the default.
    try:
        limit = _max_image_pixels()
    except ImproperlyConfigured:
        limit = DEFAULT_MAX_IMAGE_PIXELS
    Image.MAX_IMAGE_PIXELS = limit
    ImageFile.LOAD_TRUNCATED_IMAGES = False


_configure_pillow()


@contextlib.contextmanager
def _pillow_errors_rejected():
    # The warning filter makes Pillow refuse (rather than merely warn about) images between one and
    # two times MAX_IMAGE_PIXELS. It is process-wide, so a concurrent request could reset it; the
    # explicit size check in _check_pixels is what guarantees the limit either way.
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            yield
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise ImageRejected("too_many_pixels") from exc
        except _DECODE_ERRORS as exc:
            raise ImageRejected("corrupt") from exc


def _rewind(file) -> None:
    # Form fields read the upload before validators run, and callers may read it again after us.
    with contextlib.suppress(AttributeError, OSError, ValueError):
        file.seek(0)


def _read_within_limit(file) -> bytes:
    limit = _max_upload_bytes()
    declared = getattr(file, "size", None)
    if declared is not None and declared > limit:
        raise ImageRejected("too_large")
    _rewind(file)
    # Bounded read: a missing or understated size must not let an oversized body into memory.
    data = file.read(limit + 1)
    _rewind(file)
    if len(data) > limit:
        raise ImageRejected("too_large")
    return data


def _has_allowed_signature(data: bytes) -> bool:
    return data.startswith(_SIGNATURES) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def _open(data: bytes) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except Image.UnidentifiedImageError as exc:
        # Pillow reports a damaged header the same way as a non-image; the signature tells them apart,
        # so the same broken PNG is not "corrupt" or "not an image" depending on where it breaks.
        raise ImageRejected("corrupt" if _has_allowed_signature(data) else "format") from exc


def _output_format(img: Image.Image) -> str:
    detected = _FORMAT_ALIASES.get(img.format, img.format)
    if detected not in ALLOWED_FORMATS:
        raise ImageRejected("format")
    return detected


def _check_pixels(size: tuple[int, int]) -> None:
    # Only the header has been parsed at this point: a bomb is refused before any pixel is decoded.
    width, height = size
    if width * height > _max_image_pixels():
        raise ImageRejected("too_many_pixels")


def _decode(img: Image.Image) -> None:
    # Another library may have switched this global on; a truncated file must fail here.
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    img.load()


def _upright(img: Image.Image) -> Image.Image:
    # The orientation tag is about to be stripped with the rest of EXIF, so bake it into the pixels.
    ImageOps.exif_transpose(img, in_place=True)
    return img


def _to_srgb(img: Image.Image) -> Image.Image:
    icc = img.info.get("icc_profile")
    if not icc or img.mode not in ("RGB", "RGBA", "CMYK"):
        return img
    output_mode = "RGBA" if img.mode == "RGBA" else "RGB"
    try:
        return ImageCms.profileToProfile(
            img, io.BytesIO(icc), ImageCms.createProfile("sRGB"), outputMode=output_mode
        )
    except (ImageCms.PyCMSError, OSError, ValueError):
        return img


def _target_mode(mode: str, has_alpha: bool, fmt: str) -> str:
    if fmt == "JPEG":
        return mode if mode in ("L", "RGB") else "RGB"
    if has_alpha:
        # Palette or single-colour transparency lives in metadata that is about to be dropped.
        keeps_alpha = mode == "RGBA" or (mode == "LA" and fmt == "PNG")
        return mode if keeps_alpha else "RGBA"
    keep = _PNG_MODES if fmt == "PNG" else {"RGB"}
    return mode if mode in keep else "RGB"


def _sane_mode(img: Image.Image, fmt: str) -> Image.Image:
    target = _target_mode(img.mode, img.has_transparency_data, fmt)
    return img if img.mode == target else img.convert(target)


def _without_metadata(img: Image.Image) -> Image.Image:
    # Pillow's encoders fall back to img.info for some metadata (PNG ICC, JPEG comments), so
    # omitting it from save() is not enough.
    img.info.clear()
    return img


def _encode(img: Image.Image, fmt: str) -> io.BytesIO:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **_SAVE_OPTIONS[fmt])
    return buffer


def _as_upload(buffer: io.BytesIO, fmt: str) -> InMemoryUploadedFile:
    size = buffer.getbuffer().nbytes
    buffer.seek(0)
    # A generated name: the client's filename is neither trusted nor worth keeping.
    name = f"{uuid.uuid4().hex}.{_EXTENSIONS[fmt]}"
    return InMemoryUploadedFile(buffer, None, name, _CONTENT_TYPES[fmt], size, None)


def validate_and_normalise(file) -> InMemoryUploadedFile:
    """Return a clean, re-encoded copy of an uploaded image, or raise ImageRejected.

    ``file`` may be a Django UploadedFile or File, or any binary file-like object.
    """
    data = _read_within_limit(file)
    with _pillow_errors_rejected():
        img = _open(data)
        fmt = _output_format(img)
        _check_pixels(img.size)
        _decode(img)
        clean = _without_metadata(_sane_mode(_to_srgb(_upright(img)), fmt))
        buffer = _encode(clean, fmt)
    return _as_upload(buffer, fmt)


def image_validator(file) -> None:
    """Validator for form fields.

    It runs the full pipeline so that forms and storage can never disagree about what is
    acceptable, but a validator cannot replace the value: views must store what
    validate_and_normalise returns, never the raw upload.
    """
    try:
        validate_and_normalise(file)
    except ImageRejected as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
