"""Upload validation: every hostile or broken file here is built in the test, never downloaded."""

import io
import random
import re
import struct
import time
import zlib

import pytest
from django import forms
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile, File
from django.core.files.uploadedfile import InMemoryUploadedFile, SimpleUploadedFile
from django.utils import translation
from PIL import ExifTags, Image, ImageCms, ImageFile

from meydan import images
from meydan.images import ALLOWED_FORMATS, ImageRejected, image_validator, validate_and_normalise

GENERATED_NAME = re.compile(r"^[0-9a-f]{32}\.(jpg|png|webp)$")
MIME = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
EXTENSION = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}
SECRET = b"MeydanSecretMarker"
BOMB_DEADLINE_SECONDS = 1.0


# --- builders -------------------------------------------------------------------------------------


def encode(img: Image.Image, fmt: str, **options) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, format=fmt, **options)
    return buffer.getvalue()


def noise(size=(256, 256)) -> Image.Image:
    # Incompressible pixels give files long enough to truncate inside the image data.
    width, height = size
    return Image.frombytes("RGB", size, random.Random(0).randbytes(width * height * 3))


def upload(data: bytes, name="photo.jpg", content_type="image/jpeg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def srgb_icc() -> bytes:
    return ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()


def identifying_exif(orientation: int = 1) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = SECRET.decode()
    exif[ExifTags.Base.Orientation] = orientation
    exif[ExifTags.IFD.GPSInfo] = {
        ExifTags.GPS.GPSLatitudeRef: "N",
        ExifTags.GPS.GPSLatitude: (41.0, 0.0, 36.0),
        ExifTags.GPS.GPSLongitudeRef: "E",
        ExifTags.GPS.GPSLongitude: (28.0, 58.0, 12.0),
    }
    return exif


def png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_claiming(width: int, height: int) -> bytes:
    """A well-formed PNG whose header claims huge dimensions but whose data is a few bytes."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)  # 8-bit greyscale
    idat = zlib.compress(b"\x00" * (width + 1), 9)  # one row; the rest is never reached
    chunks = png_chunk(b"IHDR", ihdr) + png_chunk(b"IDAT", idat) + png_chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + chunks


def jpeg_claiming(width: int, height: int) -> bytes:
    data = bytearray(encode(Image.new("RGB", (16, 16), "red"), "JPEG"))
    sof = data.index(b"\xff\xc0")
    data[sof + 5 : sof + 9] = struct.pack(">HH", height, width)
    return bytes(data)


def webp_claiming(width: int, height: int) -> bytes:
    body = b"\x00\x00\x00\x00" + (width - 1).to_bytes(3, "little") + (height - 1).to_bytes(3, "little")
    chunk = b"VP8X" + struct.pack("<I", len(body)) + body
    return b"RIFF" + struct.pack("<I", 4 + len(chunk)) + b"WEBP" + chunk


def rejection(data_or_file, **upload_kwargs) -> ImageRejected:
    file = data_or_file if hasattr(data_or_file, "read") else upload(data_or_file, **upload_kwargs)
    with pytest.raises(ImageRejected) as caught:
        validate_and_normalise(file)
    return caught.value


def opened(result) -> Image.Image:
    result.seek(0)
    return Image.open(io.BytesIO(result.read()))


def result_bytes(result) -> bytes:
    result.seek(0)
    return result.read()


# --- accepted images ------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALLOWED_FORMATS)
def test_valid_images_are_accepted_and_reencoded(fmt):
    original = encode(Image.new("RGB", (64, 48), (200, 30, 30)), fmt)

    result = validate_and_normalise(upload(original, name=f"holiday.{EXTENSION[fmt]}"))

    assert isinstance(result, InMemoryUploadedFile)
    assert GENERATED_NAME.match(result.name)
    assert result.name.endswith("." + EXTENSION[fmt])
    assert result.content_type == MIME[fmt]
    content = result_bytes(result)
    assert result.size == len(content)
    img = Image.open(io.BytesIO(content))
    assert img.format == fmt
    assert img.size == (64, 48)
    img.load()


def test_allowed_formats_are_jpeg_png_webp():
    assert set(ALLOWED_FORMATS) == {"JPEG", "PNG", "WEBP"}


@pytest.mark.parametrize(
    "make_file",
    [
        pytest.param(lambda data: File(io.BytesIO(data), name="x.jpg"), id="django-file"),
        pytest.param(lambda data: ContentFile(data, name="x.jpg"), id="content-file"),
        pytest.param(io.BytesIO, id="plain-file-object"),
    ],
)
def test_accepts_any_file_like_object(make_file):
    data = encode(Image.new("RGB", (8, 8), "blue"), "PNG")

    assert validate_and_normalise(make_file(data)).content_type == "image/png"


def test_reads_from_the_start_even_if_the_upload_was_already_read():
    file = upload(encode(Image.new("RGB", (8, 8), "blue"), "JPEG"))
    file.read()

    assert validate_and_normalise(file).content_type == "image/jpeg"


def test_image_with_exactly_the_pixel_limit_is_accepted(settings):
    settings.MEYDAN_MAX_IMAGE_PIXELS = 100 * 100

    at_limit = encode(Image.new("RGB", (100, 100)), "PNG")

    assert opened(validate_and_normalise(upload(at_limit))).size == (100, 100)
    assert rejection(encode(Image.new("RGB", (101, 100)), "PNG")).code == "too_many_pixels"


def test_real_megapixel_photo_under_the_default_limit_is_accepted():
    data = encode(Image.new("RGB", (1000, 1000), (20, 120, 220)), "JPEG")

    assert opened(validate_and_normalise(upload(data))).size == (1000, 1000)


def test_file_of_exactly_the_byte_limit_is_accepted(settings):
    data = encode(Image.new("RGB", (8, 8), "green"), "JPEG")
    settings.MEYDAN_MAX_UPLOAD_BYTES = len(data)

    assert validate_and_normalise(upload(data)).content_type == "image/jpeg"


# --- metadata is removed --------------------------------------------------------------------------


def test_jpeg_exif_with_gps_is_removed():
    original = encode(
        Image.new("RGB", (40, 20), "red"),
        "JPEG",
        exif=identifying_exif(),
        xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>",
        comment=SECRET,
        icc_profile=srgb_icc(),
    )
    source = Image.open(io.BytesIO(original))
    assert source.getexif().get_ifd(ExifTags.IFD.GPSInfo), "the fixture must really carry GPS data"
    assert b"Exif" in original

    content = result_bytes(validate_and_normalise(upload(original)))

    img = Image.open(io.BytesIO(content))
    assert dict(img.getexif()) == {}
    assert img.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    assert b"Exif" not in content
    assert SECRET not in content
    assert not {"exif", "xmp", "comment", "icc_profile"} & img.info.keys()


def test_jpeg_comment_is_removed_without_an_icc_profile():
    # Without a profile there is no colour conversion to produce a fresh image along the way.
    original = encode(Image.new("RGB", (16, 16), "red"), "JPEG", comment=SECRET, exif=identifying_exif())

    content = result_bytes(validate_and_normalise(upload(original)))

    assert SECRET not in content
    assert b"Exif" not in content


def test_png_text_exif_and_icc_chunks_are_removed():
    from PIL.PngImagePlugin import PngInfo

    text = PngInfo()
    text.add_text("Author", SECRET.decode())
    text.add_itxt("Comment", SECRET.decode(), zip=True)
    original = encode(
        Image.new("RGBA", (16, 16), (0, 128, 0, 200)),
        "PNG",
        pnginfo=text,
        exif=identifying_exif(),
        icc_profile=srgb_icc(),
    )

    content = result_bytes(validate_and_normalise(upload(original, name="x.png")))

    for chunk in (b"tEXt", b"iTXt", b"zTXt", b"eXIf", b"iCCP"):
        assert chunk not in content
    assert SECRET not in content
    assert dict(Image.open(io.BytesIO(content)).getexif()) == {}


def test_webp_exif_and_xmp_are_removed():
    original = encode(
        Image.new("RGB", (16, 16), "blue"),
        "WEBP",
        exif=identifying_exif(),
        xmp=b"<x:xmpmeta>" + SECRET + b"</x:xmpmeta>",
        icc_profile=srgb_icc(),
    )

    content = result_bytes(validate_and_normalise(upload(original, name="x.webp")))

    assert b"EXIF" not in content
    assert b"XMP " not in content
    assert b"ICCP" not in content
    assert SECRET not in content


def test_data_appended_after_the_image_is_not_kept():
    polyglot = encode(Image.new("RGB", (8, 8), "red"), "JPEG") + b"<script>alert(1)</script>"

    content = result_bytes(validate_and_normalise(upload(polyglot)))

    assert b"<script>" not in content


def test_exif_orientation_is_applied_to_the_pixels():
    img = Image.new("RGB", (40, 20), "blue")
    img.paste((255, 0, 0), (0, 0, 20, 20))  # left half red
    # Orientation 6: displayed rotated 90 degrees clockwise, so the red half ends up on top.
    original = encode(img, "JPEG", exif=identifying_exif(orientation=6), quality=95)

    result = opened(validate_and_normalise(upload(original)))

    assert result.size == (20, 40)
    assert ExifTags.Base.Orientation not in result.getexif()
    top_r, _, top_b = result.getpixel((10, 5))
    bottom_r, _, bottom_b = result.getpixel((10, 35))
    assert top_r > 200 and top_b < 60
    assert bottom_b > 200 and bottom_r < 60


# --- format comes from the content ----------------------------------------------------------------


def test_png_renamed_to_jpg_is_detected_as_png():
    data = encode(Image.new("RGB", (8, 8), "red"), "PNG")

    result = validate_and_normalise(upload(data, name="photo.jpg", content_type="image/jpeg"))

    assert result.name.endswith(".png")
    assert result.content_type == "image/png"
    assert opened(result).format == "PNG"


def test_client_filename_is_never_used():
    data = encode(Image.new("RGB", (8, 8), "red"), "JPEG")

    result = validate_and_normalise(upload(data, name="../../etc/passwd.jpg"))

    assert GENERATED_NAME.match(result.name)
    assert "passwd" not in result.name
    assert "/" not in result.name and ".." not in result.name


def test_generated_names_are_unique():
    data = encode(Image.new("RGB", (8, 8), "red"), "JPEG")

    assert validate_and_normalise(upload(data)).name != validate_and_normalise(upload(data)).name


SVG = b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(encode(Image.new("P", (8, 8)), "GIF"), "anim.gif", id="gif"),
        pytest.param(encode(Image.new("P", (8, 8)), "GIF"), "anim.jpg", id="gif-named-jpg"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "BMP"), "x.bmp", id="bmp"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "TIFF"), "x.tiff", id="tiff"),
        pytest.param(encode(Image.new("RGB", (8, 8)), "ICO"), "x.ico", id="ico"),
        pytest.param(SVG, "x.svg", id="svg"),
        pytest.param(SVG, "x.jpg", id="svg-named-jpg"),
        pytest.param(b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\n%%EOF\n", "x.pdf", id="pdf"),
        pytest.param(HTML, "photo.jpg", id="html-named-jpg"),
        pytest.param(b"", "empty.jpg", id="empty"),
        pytest.param(random.Random(1).randbytes(4096), "noise.jpg", id="random-bytes"),
    ],
)
def test_non_images_and_other_formats_are_rejected_as_format(data, name):
    error = rejection(data, name=name)

    assert error.code == "format"
    assert str(error.message)


# --- broken files ---------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_truncated_images_are_rejected_as_corrupt(fmt):
    data = encode(noise(), fmt, **({"quality": 95} if fmt != "PNG" else {}))

    error = rejection(data[: len(data) * 6 // 10])

    assert error.code == "corrupt"
    assert str(error.message)


def test_truncated_image_is_rejected_even_if_pillow_was_told_to_tolerate_it(monkeypatch):
    monkeypatch.setattr(ImageFile, "LOAD_TRUNCATED_IMAGES", True)
    data = encode(noise(), "JPEG", quality=95)

    assert rejection(data[: len(data) // 2]).code == "corrupt"


def test_png_with_damaged_pixel_data_is_rejected_as_corrupt():
    data = bytearray(encode(noise((64, 64)), "PNG"))
    start = data.index(b"IDAT") + 4
    data[start + 10 : start + 200] = bytes(190)  # zeroes inside the zlib stream

    assert rejection(bytes(data)).code == "corrupt"


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"\xff\xd8\xff\xe0" + HTML, id="jpeg-signature"),
        pytest.param(b"\x89PNG\r\n\x1a\n" + HTML, id="png-signature"),
        pytest.param(b"\x89PNG\r\n\x1a\n<html></html>", id="png-signature-short"),
        pytest.param(b"RIFF\x00\x00\x00\x00WEBPVP8 " + HTML, id="webp-signature"),
        pytest.param(b"\x89PNG\r\n\x1a\n", id="png-signature-alone"),
    ],
)
def test_allowed_signature_followed_by_junk_is_rejected_as_corrupt(data):
    assert rejection(data).code == "corrupt"


# --- decompression bombs --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(png_claiming(20_000, 20_000), id="png-400-megapixels"),
        pytest.param(png_claiming(6_500, 6_308), id="png-41-megapixels"),
        pytest.param(jpeg_claiming(60_000, 60_000), id="jpeg-3600-megapixels"),
        pytest.param(webp_claiming(16_384, 16_384), id="webp-268-megapixels"),
    ],
)
def test_decompression_bombs_are_refused_in_under_a_second(data):
    assert len(data) < 1024, "the bomb must be tiny on disk"

    started = time.perf_counter()
    error = rejection(data)
    elapsed = time.perf_counter() - started

    assert error.code == "too_many_pixels"
    assert str(error.message)
    assert elapsed < BOMB_DEADLINE_SECONDS


def test_pixel_limit_from_settings_applies_below_pillows_own(settings):
    settings.MEYDAN_MAX_IMAGE_PIXELS = 1_000

    assert rejection(encode(Image.new("RGB", (40, 40)), "PNG")).code == "too_many_pixels"


def test_pillow_limit_matches_the_configured_limit():
    assert Image.MAX_IMAGE_PIXELS == django_settings.MEYDAN_MAX_IMAGE_PIXELS == 40_000_000
    assert ImageFile.LOAD_TRUNCATED_IMAGES is False


# --- size limit -----------------------------------------------------------------------------------


def test_default_upload_limit_is_20_mib():
    assert django_settings.MEYDAN_MAX_UPLOAD_BYTES == 20 * 1024 * 1024
    assert images.DEFAULT_MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_oversized_upload_is_rejected_before_decoding(settings, monkeypatch):
    settings.MEYDAN_MAX_UPLOAD_BYTES = 1024

    def must_not_decode(*args, **kwargs):
        raise AssertionError("an oversized upload reached the decoder")

    monkeypatch.setattr(Image, "open", must_not_decode)
    error = rejection(b"\xff\xd8\xff\xe0" + bytes(2048))

    assert error.code == "too_large"
    assert str(error.message)


def test_oversized_file_without_a_size_is_rejected_by_a_bounded_read(settings):
    settings.MEYDAN_MAX_UPLOAD_BYTES = 1024
    stream = io.BytesIO(encode(noise((64, 64)), "PNG"))

    assert rejection(stream).code == "too_large"
    assert stream.tell() == 0, "the stream is rewound for the caller"


def test_understated_size_does_not_bypass_the_limit(settings):
    settings.MEYDAN_MAX_UPLOAD_BYTES = 1024
    file = upload(encode(noise((64, 64)), "PNG"))
    file.size = 10

    assert rejection(file).code == "too_large"


def test_oversized_upload_at_the_default_limit_is_rejected_without_reading_it():
    class Huge(io.BytesIO):
        size = 20 * 1024 * 1024 + 1

        def read(self, *args):
            raise AssertionError("the declared size alone must be enough")

    assert rejection(Huge(b"\xff\xd8\xff")).code == "too_large"


# --- colour modes and animation -------------------------------------------------------------------


def test_cmyk_jpeg_becomes_rgb():
    data = encode(Image.new("CMYK", (8, 8), (0, 255, 255, 0)), "JPEG")

    img = opened(validate_and_normalise(upload(data)))

    assert img.mode == "RGB"
    red, green, blue = img.getpixel((4, 4))
    assert red > 200 and green < 60 and blue < 60


def test_palette_png_with_transparency_keeps_its_transparency():
    img = Image.new("P", (8, 8), 0)
    img.putpalette([255, 0, 0, 0, 255, 0])
    data = encode(img, "PNG", transparency=0)

    result = opened(validate_and_normalise(upload(data, name="x.png")))

    assert result.mode == "RGBA"
    assert result.getpixel((1, 1))[3] == 0


@pytest.mark.parametrize(("mode", "colour"), [("L", 128), ("LA", (128, 100)), ("RGBA", (1, 2, 3, 100))])
def test_png_modes_are_kept(mode, colour):
    data = encode(Image.new(mode, (8, 8), colour), "PNG")

    result = opened(validate_and_normalise(upload(data, name="x.png")))

    assert result.mode == mode
    assert result.getpixel((1, 1)) == colour


def test_webp_keeps_alpha():
    data = encode(Image.new("RGBA", (8, 8), (255, 0, 0, 128)), "WEBP", lossless=True)

    result = opened(validate_and_normalise(upload(data, name="x.webp")))

    assert result.mode == "RGBA"
    assert abs(result.getpixel((1, 1))[3] - 128) <= 2


def test_broken_icc_profile_is_dropped_not_fatal():
    data = encode(Image.new("RGB", (8, 8), (10, 200, 30)), "JPEG", icc_profile=b"not a profile" * 20)

    result = opened(validate_and_normalise(upload(data)))

    assert "icc_profile" not in result.info


@pytest.mark.parametrize("fmt", ["PNG", "WEBP", "MPO"])
def test_animated_images_keep_only_their_first_frame(fmt):
    frames = [Image.new("RGB", (16, 16), colour) for colour in ("red", "lime", "blue")]
    options = {"lossless": True} if fmt == "WEBP" else {}
    data = encode(frames[0], fmt, save_all=True, append_images=frames[1:], **options)
    assert Image.open(io.BytesIO(data)).n_frames == 3

    result = validate_and_normalise(upload(data))

    img = opened(result)
    assert img.format == {"MPO": "JPEG"}.get(fmt, fmt)
    assert getattr(img, "n_frames", 1) == 1
    red, green, blue = img.getpixel((8, 8))
    assert red > 200 and green < 60 and blue < 60


# --- messages and form integration ----------------------------------------------------------------


@pytest.mark.parametrize("code", ["format", "too_large", "too_many_pixels", "corrupt"])
def test_every_code_has_a_user_facing_message(code):
    error = ImageRejected(code)

    assert error.code == code
    assert isinstance(str(error.message), str)
    assert str(error.message).strip()


def test_limit_messages_name_the_limit():
    with translation.override("en"):
        assert "20.0" in str(ImageRejected("too_large").message)
        assert "40" in str(ImageRejected("too_many_pixels").message)


def test_image_validator_raises_validation_error_with_the_code():
    with pytest.raises(ValidationError) as caught:
        image_validator(upload(HTML))

    assert caught.value.code == "format"
    assert str(caught.value.message)


def test_image_validator_accepts_valid_images():
    image_validator(upload(encode(Image.new("RGB", (8, 8)), "JPEG")))


def test_image_validator_works_on_a_form_field():
    class PhotoForm(forms.Form):
        photo = forms.FileField(validators=[image_validator])

    good = PhotoForm(files={"photo": upload(encode(Image.new("RGB", (8, 8)), "WEBP"), name="a.webp")})
    bad = PhotoForm(files={"photo": upload(SVG, name="a.svg")})

    assert good.is_valid()
    assert not bad.is_valid()
    assert bad.errors.as_data()["photo"][0].code == "format"
