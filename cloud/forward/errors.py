"""Why an item could not be delivered, as the forwarder's adapters name it."""

from cloud.forward.adapter import Outcome


class ForwardError(Exception):
    """Base of forwarding errors; `outcome` says what the forwarder does with the item."""

    outcome = Outcome.TRANSIENT

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail


class Unavailable(ForwardError):
    """The far side did not answer or failed (network, timeout, 5xx): retry with backoff."""


class RateLimited(ForwardError):
    """The far side asked us to slow down (429): retry after `retry_after_s`."""

    outcome = Outcome.RATE_LIMITED

    def __init__(self, detail: str, retry_after_s: float | None):
        super().__init__(detail)
        self.retry_after_s = retry_after_s


class Refused(ForwardError):
    """The far side refused the data (4xx): resending it will not help; park it."""

    outcome = Outcome.PERMANENT


class MissingData(Refused):
    """Our data is not enough to send: `field` names what is missing or invalid."""

    def __init__(self, field: str, detail: str | None = None):
        super().__init__(detail or f"missing or invalid: {field}")
        self.field = field
