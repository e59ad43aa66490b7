"""What every form shares: the base class, whole numbers, amounts and dates typed by users.

Every form of the app derives from ``Form``, so each text field runs ``clean_text``: no
control characters are taken and no invisible direction or zero-width character is kept.
Numbers are parsed by ``parse_int`` (ASCII digits, within the 32-bit columns they go to).
"""

import re

from flask_babel import gettext as _
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms import StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import ValidationError

from core.api import ID_MAX
from core.i18n import krw

# Python's int() also reads '١٢' and '１２', and str.isdigit() accepts '²': only 0-9 here.
ASCII_NUMBER = re.compile(r"[0-9]{1,18}")
# C0 control characters but tab and newline (a carriage return becomes a newline first).
CONTROL = re.compile("[\x00-\x08\x0b-\x1f]")
# Bidirectional controls (U+061C, U+200E/F, U+202A-E, U+2066-9) and zero-width characters
# (U+200B-D, U+2060, U+FEFF): invisible, they can make text read other than it is stored.
INVISIBLE = re.compile("[\u061c\u200b-\u200f\u202a-\u202e\u2060\u2066-\u2069\ufeff]")
# Amounts go to INTEGER columns, 32-bit on PostgreSQL.
MAX_AMOUNT = ID_MAX
FIRST_YEAR, LAST_YEAR = 2000, 2100


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]


def parse_int(raw: str | None, maximum: int = ID_MAX) -> int | None:
    """A whole number a user sent, or None: ASCII digits only, from 0 to ``maximum``
    (by default the largest database id)."""
    text = (raw or "").strip()
    if not ASCII_NUMBER.fullmatch(text):
        return None
    value = int(text)
    return value if value <= maximum else None


def strip_invisible(text: str) -> str:
    """The text without bidirectional controls and zero-width characters."""
    return INVISIBLE.sub("", text)


def clean_text(value):
    """The filter of every text field: newlines become ``\\n``; any other control character
    but tab is refused (a ValueError becomes the field's error); invisible characters go."""
    if not isinstance(value, str):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    if CONTROL.search(value):
        raise ValueError(_("Remove the control characters (such as NUL) from this text."))
    return strip_invisible(value)


def form_error(form) -> str:
    """The first error message of a form that did not validate."""
    for errors in form.errors.values():
        if errors:
            return str(errors[0])
    return _("Check the highlighted fields.")


class Form(FlaskForm):
    """The base of every form: each text field gets ``clean_text`` as its last filter."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            if issubclass(unbound_field.field_class, StringField):
                filters = tuple(unbound_field.kwargs.get("filters", ()))
                options = {**options, "filters": (*filters, clean_text)}
            return super().bind_field(form, unbound_field, options)


class WholeNumberField(IntegerField):
    """An integer typed in ASCII digits, at most ``maximum`` (a 32-bit column by default);
    ``too_big`` is the message for a larger number."""

    def __init__(self, label=None, validators=None, maximum=ID_MAX, too_big=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        self.maximum = maximum
        self.too_big = too_big

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = valuelist[0].strip()
        self.data = parse_int(text, self.maximum)
        if self.data is not None or not text:
            return
        if text.isascii() and text.isdigit():
            raise ValueError(str(self.too_big or _("Enter a smaller number.")))
        raise ValueError(_("Enter a whole number with the digits 0 to 9."))


class AmountField(WholeNumberField):
    """A whole amount in won, small enough for its column."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, maximum=MAX_AMOUNT, **kwargs)

    def process_formdata(self, valuelist):
        self.too_big = _("Enter an amount of at most %(max)s.", max=krw(MAX_AMOUNT))
        super().process_formdata(valuelist)


class YearRange:
    """A date or time between the years FIRST_YEAR and LAST_YEAR (a year-1 date in Seoul
    time cannot even be converted to UTC)."""

    def __call__(self, form, field):
        if field.data is not None and not FIRST_YEAR <= field.data.year <= LAST_YEAR:
            raise ValidationError(
                _(
                    "Enter a date between the years %(first)d and %(last)d.",
                    first=FIRST_YEAR,
                    last=LAST_YEAR,
                )
            )
