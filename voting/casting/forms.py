"""Forms for the ballot: CSRF protection and parsing; validity is the rules module's job."""

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget

from core.forms import Form


class BallotForm(Form):
    # Choices are validated by voting.casting.rules, which explains what is wrong in words.
    picks = SelectMultipleField(
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ReceiptCheckForm(Form):
    class Meta:
        csrf = False  # a read-only lookup sent with GET

    code = StringField()


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
