"""Forms for the ballot: CSRF protection and parsing; validity is the rules module's job."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import SelectField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms import TextAreaField
from wtforms.validators import InputRequired
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from core.forms import choices
from core.forms import Form


class BallotForm(Form):
    # Choices are validated by voting.rules, which explains what is wrong in words.
    picks = SelectMultipleField(
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ReceiptCheckForm(Form):
    class Meta:
        csrf = False  # a read-only lookup sent with GET

    code = StringField()


class PublishForm(Form):
    rule = SelectField(
        _l("Rule"),
        choices=choices(
            [("greedy", _l("Greedy by votes")), ("equal_shares", _l("Method of Equal Shares"))]
        ),
    )


class AssistedBallotForm(Form):
    # Needed only when the provider gave no residence: the ID card, checked in person.
    checked = BooleanField(
        _l("The provider gave no residence: I checked the resident's ID card for an address "
           "in this district in person.")
    )
    picks = SelectMultipleField(
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


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
