"""The form of the publication steps: which rule the result is counted under."""

from flask_babel import lazy_gettext as _l
from wtforms import SelectField

from core.forms import choices
from core.forms import Form
from voting.counting import rulebook


class PublishForm(Form):
    rule = SelectField(
        _l("Rule"),
        choices=choices(rulebook.choices()),
    )
