"""Forms for proposals: CSRF and parsing; the rules explain what is wrong."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import NumberRange
from wtforms.validators import Optional

from core.forms import AmountField
from core.forms import choices
from core.forms import Form
from deliberation.forms import WHOLE_KRW

STATUS_LABELS = {
    "submitted": _l("Under review"),
    "accepted": _l("Accepted as an agenda item"),
    "merged": _l("Merged into an agenda item"),
    "rejected": _l("Not accepted"),
}
DECISION_LABELS = {
    "accept": _l("Accept as an agenda item"),
    "merge": _l("Merge into an existing item"),
    "reject": _l("Reject"),
}


def proposal_status_label(code: str) -> str:
    return str(STATUS_LABELS.get(code, code))


class ProposalForm(Form):
    title = StringField(_l("Title"))
    summary = TextAreaField(_l("What should be done, and why"))
    estimated_cost = AmountField(
        _l("Estimated cost (KRW)"),
        validators=[InputRequired(message=WHOLE_KRW), NumberRange(min=1, message=WHOLE_KRW)],
    )
    field_id = SelectField(_l("Field"), coerce=str, validators=[Optional()])
    dong = StringField(_l("Neighbourhood (dong, optional)"))
    group_name = StringField(_l("Proposing group (optional)"))

    def set_fields(self, forum) -> None:
        self.field_id.choices = choices([("", "-")] + [(f.id, f.name) for f in forum.fields])


class SupportForm(Form):
    """A bare button: the form gives it CSRF protection."""


class DecisionForm(Form):
    decision = SelectField(_l("Decision"), choices=choices(DECISION_LABELS.items()))
    final_cost = AmountField(
        _l("Final cost after review (KRW)"),
        validators=[Optional(), NumberRange(min=1, message=WHOLE_KRW)],
    )
    field_id = SelectField(_l("Field"), coerce=str, validators=[Optional()])
    merge_into = SelectField(_l("Merge into"), coerce=str, validators=[Optional()])
    reason = TextAreaField(_l("Public reason"))
    hide = BooleanField(_l("Hide the proposal's text from the public (moderation)"))

    def set_forum(self, forum) -> None:
        as_proposed = [("", _l("As proposed"))]
        self.field_id.choices = choices(as_proposed + [(f.id, f.name) for f in forum.fields])
        self.merge_into.choices = choices(
            [("", "-")]
            + [(i.id, f"{i.external_id} {i.title}") for i in forum.items if i.status != "withdrawn"]
        )
