"""Forms for the ballot: CSRF protection and parsing; validity is the rules module's job."""

from flask_wtf import FlaskForm
from wtforms import SelectMultipleField
from wtforms import StringField
from wtforms.widgets import CheckboxInput
from wtforms.widgets import ListWidget


class BallotForm(FlaskForm):
    # Choices are validated by voting.rules, which explains what is wrong in words.
    picks = SelectMultipleField(
        validate_choice=False,
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
    )


class ReceiptCheckForm(FlaskForm):
    class Meta:
        csrf = False  # a read-only lookup sent with GET

    code = StringField()
