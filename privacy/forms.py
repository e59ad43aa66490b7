"""The consent form: one box per purpose; the required ones carry ``required``."""

from wtforms import BooleanField

from core.forms import Form
from privacy import texts


class ConsentForm(Form):
    identity = BooleanField()
    voting = BooleanField()
    deliberation = BooleanField()
    review = BooleanField()
    keep_picks = BooleanField()

    def ticked(self) -> list[str]:
        """The keys of the boxes ticked, in the texts' order."""
        return [purpose.key for purpose in texts.PURPOSES if self[purpose.key].data]
