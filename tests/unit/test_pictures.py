"""An uploaded picture is checked and made fit for a phone (Pillow, no Flask)."""

import hashlib
import io

import pytest
from PIL import Image

from deliberation import pictures


def encoded(image: Image.Image, fmt: str, **options) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **options)
    return out.getvalue()


def decoded(picture: pictures.Picture) -> Image.Image:
    return Image.open(io.BytesIO(picture.data))


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_a_large_picture_is_shrunk_to_1280_on_its_longer_side(fmt):
    picture = pictures.prepare(encoded(Image.new("RGB", (1000, 3000), "red"), fmt))
    assert (picture.width, picture.height) == (427, 1280)
    assert decoded(picture).format == "JPEG" and picture.media_type == "image/jpeg"


def test_a_small_picture_is_never_enlarged():
    picture = pictures.prepare(encoded(Image.new("RGB", (300, 200), "red"), "PNG"))
    assert (picture.width, picture.height) == (300, 200)


def test_a_transparent_picture_is_laid_on_white():
    image = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    pixel = decoded(pictures.prepare(encoded(image, "PNG"))).getpixel((5, 5))
    assert all(channel > 245 for channel in pixel)


def test_a_phone_photo_is_turned_upright():
    exif = Image.Exif()
    exif[0x0112] = 6  # orientation: rotate 90° clockwise to view
    picture = pictures.prepare(encoded(Image.new("RGB", (400, 300)), "JPEG", exif=exif))
    assert (picture.width, picture.height) == (300, 400)


def test_the_digest_names_the_stored_bytes():
    picture = pictures.prepare(encoded(Image.new("RGB", (20, 20)), "PNG"))
    assert picture.digest == hashlib.sha256(picture.data).hexdigest()


def test_too_many_pixels_are_refused_before_decoding():
    bomb = encoded(Image.new("1", (8000, 6000)), "PNG")  # 48 megapixels in a few kB
    assert len(bomb) < pictures.MAX_UPLOAD_BYTES
    with pytest.raises(pictures.PictureRefused) as refused:
        pictures.prepare(bomb)
    assert refused.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"GIF89a\x01\x00\x01\x00",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"%PDF-1.7",
        encoded(Image.new("RGB", (4, 4)), "PNG")[:30],  # cut short
    ],
)
def test_anything_but_a_jpeg_png_or_webp_that_decodes_is_refused(raw):
    with pytest.raises(pictures.PictureRefused) as refused:
        pictures.prepare(raw)
    assert refused.value.code == "not_a_picture"


def test_an_upload_over_5_mb_is_refused_unread():
    with pytest.raises(pictures.PictureRefused) as refused:
        pictures.prepare(b"\xff\xd8" + b"\0" * pictures.MAX_UPLOAD_BYTES)
    assert refused.value.code == "too_large"
