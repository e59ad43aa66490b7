"""Photos of a funded item's progress: checked and re-encoded by Pillow.

A photo is decoded (so only real JPEG, PNG or WebP images pass), turned upright, shrunk
to at most ``MAX_SIDE`` pixels and saved again as JPEG: what is stored and served never
carries the uploader's metadata (EXIF location, camera) or anything but pixels.
"""

from io import BytesIO

from PIL import Image
from PIL import ImageOps
from PIL import UnidentifiedImageError

MAX_BYTES = 5 * 1024 * 1024
MAX_SIDE = 1280
MAX_PIXELS = 40_000_000
FORMATS = ("JPEG", "PNG", "WEBP")


class BadPhoto(ValueError):
    """Not an image we take (``code``: not_image, too_large)."""

    def __init__(self, code: str):
        super().__init__(code)
        self.code = code


def reencode(data: bytes) -> bytes:
    """The photo as a JPEG of at most ``MAX_SIDE`` px a side, without metadata."""
    if len(data) > MAX_BYTES:
        raise BadPhoto("too_large")
    try:
        with Image.open(BytesIO(data), formats=FORMATS) as image:
            if image.width * image.height > MAX_PIXELS:
                raise BadPhoto("too_large")
            upright = ImageOps.exif_transpose(image).convert("RGB")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError):
        raise BadPhoto("not_image") from None
    upright.thumbnail((MAX_SIDE, MAX_SIDE))
    out = BytesIO()
    upright.save(out, "JPEG", quality=85, optimize=True)
    return out.getvalue()
