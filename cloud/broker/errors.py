"""What can go wrong when txng administers the broker's accounts."""


class BrokerAdminError(Exception):
    """Base of the broker administration errors."""


class BrokerUnavailable(BrokerAdminError):
    """The broker cannot be reached, refused the admin account, or did not answer in time."""


class CommandRefused(BrokerAdminError):
    """The dynamic-security plugin answered a command with an error."""

    def __init__(self, command: str, error: str):
        super().__init__(f"broker refused {command}: {error}")
        self.command = command
        self.error = error
