"""Small helpers shared by the features' forms."""

from wtforms.fields.choices import SelectChoice


def choices(pairs) -> list[SelectChoice]:
    """Select options from (value, label) pairs."""
    return [SelectChoice(str(value), label) for value, label in pairs]
