"""Items the broker has and the ingester has not yet confirmed: since when, and how long to wait."""


class AwaitingReceipts:
    """Sequence numbers awaiting their receipt, oldest first, with a timeout that backs off.

    The timeout starts at `timeout_s`, doubles (up to `timeout_max_s`) each time it expires,
    and starts over as soon as a receipt confirms something: while the ingesters are away the
    device sends its window again ever more rarely instead of piling copies up at the broker.
    """

    def __init__(self, timeout_s: float, timeout_max_s: float) -> None:
        self._initial = timeout_s
        self._max = max(timeout_max_s, timeout_s)
        self.timeout_s = timeout_s
        self._since: dict[int, float] = {}  # seq → when the broker acknowledged it, oldest first

    def __len__(self) -> int:
        return len(self._since)

    def sent(self, seqs: list[int], now: float) -> None:
        """The broker acknowledged these items at `now` (again, if they were sent before)."""
        for seq in seqs:
            self._since.pop(seq, None)
            self._since[seq] = now

    def confirmed(self, seqs: list[int]) -> None:
        """A receipt deleted these items: stop waiting for them, and trust the cloud again."""
        for seq in seqs:
            self._since.pop(seq, None)
        if seqs:
            self.timeout_s = self._initial

    def gone(self, seqs: set[int]) -> None:
        """These items are no longer in the outbox (an earlier receipt took them)."""
        for seq in seqs:
            self._since.pop(seq, None)

    def overdue_in(self, now: float) -> float | None:
        """Seconds until the oldest item is overdue (≤ 0: it is); None when nothing awaits."""
        for since in self._since.values():
            return since + self.timeout_s - now
        return None

    def expire(self) -> None:
        """The oldest waited too long: forget them all (they are sent again) and back off."""
        self._since.clear()
        self.timeout_s = min(self.timeout_s * 2, self._max)

    def clear(self) -> None:
        """Forget them all (they are sent again), keeping the timeout."""
        self._since.clear()
