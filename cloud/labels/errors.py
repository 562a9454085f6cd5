"""What can go wrong when making labels, naming the field to fix."""


class LabelError(ValueError):
    """A label that cannot be made; `field` names the data to fix (gtin, lot, expiry_date, …)."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message


class LabelDoesNotFit(LabelError):
    """The symbol is too large for the chosen label layout at the smallest allowed module."""
