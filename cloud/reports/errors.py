"""What can keep a report from being made."""


class ReportError(Exception):
    """A report that cannot be made as asked; the message says why."""


class NotFound(ReportError):
    """No such batch, stay, unit or shipment."""


class Ambiguous(ReportError):
    """The request fits several things (a unit's contents with several profiles)."""

    def __init__(self, message: str, choices: list[str]):
        super().__init__(message)
        self.choices = choices
