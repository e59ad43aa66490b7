"""QR codes as inline SVG, drawn by the ``qrcode`` library (no image library needed)."""

import re

import qrcode
import qrcode.image.svg
from markupsafe import escape
from markupsafe import Markup

_SIZE = re.compile(r'\s(?:width|height)="[^"]*"')


def svg(url: str, label: str) -> Markup:
    """An SVG QR code of ``url`` that scales with its box (no fixed size), with a quiet
    zone of four modules as the standard asks and medium error correction, so a printed
    sheet still reads when slightly damaged. ``label`` names it for screen readers."""
    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M,
        border=4,
        image_factory=qrcode.image.svg.SvgPathImage,
    )
    code.add_data(url)
    code.make(fit=True)
    text = code.make_image().to_string(encoding="unicode")
    text = text[text.index("<svg") :]
    opening, rest = text.split(">", 1)
    # the library draws only a path from the URL's bits: the label is the one text added
    opening = _SIZE.sub("", opening) + f' class="qr" role="img" aria-label="{escape(label)}"'
    return Markup(opening + ">" + rest)
