"""The form of an operator's decision on a flag."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length

from core.forms import choices
from core.forms import Form


class DecisionForm(Form):
    # No decision is preselected: a careless click must not clear (or confirm) a flag.
    action = SelectField(
        _l("Decision"),
        default="",
        validators=[InputRequired(message=_l("Choose an action."))],
        choices=choices(
            [
                ("", _l("Choose…")),
                ("clear", _l("Clear: organic voting")),
                ("confirm", _l("Confirm: exclude these ballots")),
                ("reopen", _l("Reopen")),
            ]
        ),
    )
    reason = TextAreaField(
        _l("Reason (published to the residents concerned)"), validators=[Length(max=2000)]
    )
