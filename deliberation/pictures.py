"""An uploaded picture, checked and made fit for a phone: pure, no Flask, no database.

Pillow does the image work. The upload is accepted only when Pillow reads it as a
JPEG, PNG or WebP picture of sensible dimensions; it is then turned upright (EXIF
orientation), shrunk to fit ``MAX_SIDE`` pixels and stored again as a JPEG, which
also drops every metadata block (a phone photo's GPS position among them).
"""

import hashlib
import io
import warnings
from dataclasses import dataclass

from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024  # what a team may upload
MAX_SIDE = 1280  # pixels, the longer side once stored
MAX_PIXELS = 40_000_000  # what Pillow may decode (a 40-megapixel photo), no more
ACCEPTED = {"JPEG", "PNG", "WEBP"}
STORED_TYPE = "image/jpeg"


class PictureRefused(ValueError):
    """``code`` is ``too_large``, ``not_a_picture`` or ``too_many_pixels``."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class Picture:
    data: bytes
    media_type: str
    width: int
    height: int
    digest: str


def _opened(raw: bytes) -> Image.Image:
    """The decoded upload, if it is one of the accepted formats and not too large."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(raw))
            if image.format not in ACCEPTED:
                raise PictureRefused("not_a_picture")
            if image.width * image.height > MAX_PIXELS:
                raise PictureRefused("too_many_pixels")
            image.load()
    except PictureRefused:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise PictureRefused("too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise PictureRefused("not_a_picture") from None
    return image


def prepare(raw: bytes) -> Picture:
    """The picture to store, or ``PictureRefused``: at most ``MAX_UPLOAD_BYTES``, a
    JPEG, PNG or WebP that decodes, at most ``MAX_PIXELS``; stored upright, its longer
    side at most ``MAX_SIDE`` pixels (never enlarged), as a JPEG without metadata."""
    if len(raw) > MAX_UPLOAD_BYTES:
        raise PictureRefused("too_large")
    if not raw:
        raise PictureRefused("not_a_picture")
    image = ImageOps.exif_transpose(_opened(raw))
    image.thumbnail((MAX_SIDE, MAX_SIDE), Image.Resampling.LANCZOS)
    if image.mode in ("RGBA", "LA", "P"):
        image = image.convert("RGBA")
        flat = Image.new("RGB", image.size, "white")
        flat.paste(image, mask=image.getchannel("A"))
        image = flat
    elif image.mode != "RGB":
        image = image.convert("RGB")
    out = io.BytesIO()
    image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    data = out.getvalue()
    return Picture(
        data=data,
        media_type=STORED_TYPE,
        width=image.width,
        height=image.height,
        digest=hashlib.sha256(data).hexdigest(),
    )
