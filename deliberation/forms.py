"""Forms for district teams. Field-level checks only; the rules module checks the rest."""

from datetime import UTC
from zoneinfo import ZoneInfo

from flask import current_app
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField
from wtforms import DateTimeLocalField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import DataRequired
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from core.forms import AmountField
from core.forms import choices
from core.forms import Form
from core.forms import WholeNumberField
from core.forms import YearRange
from deliberation.inputs import forum_values

WHOLE_KRW = _l("Enter a whole amount in won, without commas or decimals.")


def _display_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config.get("DISPLAY_TIMEZONE", "Asia/Seoul"))


def to_utc(local):
    """A naive datetime typed in the display time zone (Seoul), as aware UTC."""
    return local.replace(tzinfo=_display_zone()).astimezone(UTC)


def to_seoul(moment):
    """A stored (aware UTC) moment as the naive wall-clock time a team types and reads."""
    return moment.astimezone(_display_zone()).replace(tzinfo=None)


def forum_form_data(forum) -> dict:
    """The settings form's values for a stored forum, its window in Seoul time.

    Given as data, never as ``obj=forum``: WTForms takes an object's attribute before
    any keyword, and the stored UTC times would then be shown, and saved back, as if
    they were Seoul times (the window would move 9 hours on every save).
    """
    return {"district": forum.district.code, **forum_values(forum, to_seoul)}


class ForumForm(Form):
    district = SelectField(_l("District"), validators=[DataRequired()])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=200)])
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=200)])
    description = TextAreaField(_l("Description"), validators=[Length(max=5000)])
    description_en = TextAreaField(
        _l("Description in English (optional)"), validators=[Length(max=5000)]
    )
    voting_starts_at = DateTimeLocalField(
        _l("Voting opens (KST)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(), YearRange()],
    )
    voting_ends_at = DateTimeLocalField(
        _l("Voting closes (KST)"),
        format="%Y-%m-%dT%H:%M",
        validators=[DataRequired(), YearRange()],
    )
    min_picks = WholeNumberField(
        _l("Minimum picks"), default=3, validators=[InputRequired(), NumberRange(1, 50)]
    )
    max_picks = WholeNumberField(
        _l("Maximum picks"), default=3, validators=[InputRequired(), NumberRange(1, 50)]
    )
    cost_cap = AmountField(
        _l("Cost cap per ballot (optional)"),
        validators=[Optional(), NumberRange(min=1, message=WHOLE_KRW)],
    )
    envelope = AmountField(
        _l("Budget envelope (KRW)"),
        validators=[InputRequired(message=WHOLE_KRW), NumberRange(min=1, message=WHOLE_KRW)],
    )
    publication_needs_approval = BooleanField(
        _l("Publication needs a second team member's approval"), default=True
    )
    deliberation_required = BooleanField(_l("Deliberation is required before voting"), default=True)
    deliberation_ends_at = DateTimeLocalField(
        _l("Deliberation ends (KST)"),
        format="%Y-%m-%dT%H:%M",
        validators=[Optional(), YearRange()],
    )


class FieldForm(Form):
    name = StringField(_l("Field name"), validators=[DataRequired(), Length(max=200)])
    name_en = StringField(_l("Field name in English"), validators=[Optional(), Length(max=200)])
    envelope = AmountField(
        _l("Field envelope (optional, KRW)"),
        validators=[Optional(), NumberRange(min=1, message=WHOLE_KRW)],
    )


PHASE_LABELS = {
    "draft": _l("Draft"),
    "proposals": _l("Proposals"),
    "deliberation": _l("Deliberation"),
    "voting": _l("Voting"),
    "closed": _l("Closed"),
    "published": _l("Published"),
}
ITEM_STATUS_LABELS = {
    "proposed": _l("Proposed"),
    "approved": _l("Approved (on the ballot)"),
    "withdrawn": _l("Withdrawn"),
}


def phase_label(code: str) -> str:
    return str(PHASE_LABELS.get(code, code))


def item_status_label(code: str) -> str:
    return str(ITEM_STATUS_LABELS.get(code, code))


class ItemForm(Form):
    external_id = StringField(_l("Item number"), validators=[DataRequired(), Length(max=64)])
    title = StringField(_l("Title"), validators=[DataRequired(), Length(max=500)])
    title_en = StringField(_l("Title in English (optional)"), validators=[Length(max=500)])
    summary = TextAreaField(_l("Summary"), validators=[Length(max=5000)])
    summary_en = TextAreaField(_l("Summary in English (optional)"), validators=[Length(max=5000)])
    proposer = StringField(_l("Proposed by"), validators=[Optional(), Length(max=200)])
    location = StringField(
        _l("Where (neighbourhood, optional)"), validators=[Optional(), Length(max=100)]
    )
    cost = AmountField(
        _l("Cost (KRW)"),
        validators=[InputRequired(message=WHOLE_KRW), NumberRange(min=1, message=WHOLE_KRW)],
    )
    field_id = SelectField(_l("Field"), coerce=str, validators=[Optional()])
    status = SelectField(
        _l("Status"),
        choices=choices(ITEM_STATUS_LABELS.items()),
        default="approved",
    )


class ImageForm(Form):
    picture = FileField(_l("Picture (JPEG, PNG or WebP, up to 5 MB)"))
    alt = StringField(
        _l("What the picture shows, for people who cannot see it"),
        validators=[Length(max=300)],
    )


class PhaseForm(Form):
    # Publishing happens on the results page, with the snapshot.
    phase = SelectField(
        _l("Phase"),
        choices=choices((c, label) for c, label in PHASE_LABELS.items() if c != "published"),
    )
