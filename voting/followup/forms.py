"""Forms for follow-up updates and the evaluation: CSRF and parsing only."""

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateField
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import InputRequired

from core.forms import choices
from core.forms import Form
from core.forms import YearRange

STATUS_LABELS = {
    "planned": _l("Planned"),
    "in_progress": _l("In progress"),
    "completed": _l("Completed"),
    "changed": _l("Changed"),
    "cancelled": _l("Cancelled"),
}
SCORE_LABELS = {
    "5": _l("5 · very satisfied"),
    "4": _l("4 · satisfied"),
    "3": _l("3 · neutral"),
    "2": _l("2 · unsatisfied"),
    "1": _l("1 · very unsatisfied"),
}


def followup_status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


class UpdateForm(Form):
    status = SelectField(_l("Status"), choices=choices(STATUS_LABELS.items()))
    dated = DateField(_l("Date"), validators=[InputRequired(), YearRange()])
    note = TextAreaField(_l("What happened"))
    reason = TextAreaField(_l("Reason (required for a change or a cancellation)"))
    photo = FileField(_l("Photo (optional, JPEG, PNG or WebP)"))


class EvaluationForm(Form):
    comment = TextAreaField(_l("Anything to tell next year's forum? (optional)"))
