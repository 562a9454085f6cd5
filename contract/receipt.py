"""Receipts: the ingester tells a device which of its items are committed, so it may forget them.

A receipt lists, for each stored message of one device, the runs of consecutive sequence
numbers that the message's items carried, and the ids of its first and its last item (the
anchors). A device deletes a message's runs from its outbox only if the outbox still holds the
first or the last item under that id: a receipt for another outbox of the same device (a Pi
swapped, an outbox wiped, a message from before either still queued at the broker) deletes
nothing. Runs never span two messages, so receipts that two ingesters commit out of order, or
receipts for overlapping resends, delete exactly the items that were stored; a message whose
anchors are both gone already is ignored, and whatever it left is sent again (harmlessly).
"""

from collections.abc import Iterable, Sequence
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from contract.envelope import MAX_ITEMS_PER_MESSAGE
from contract.errors import ContractError, ContractErrorReason
from contract.items import MAX_SEQ, Name
from contract.topics import Channel, Topic

MAX_RECEIPT_BYTES = 256 * 1024
MAX_MESSAGES_PER_RECEIPT = 1000

Seq = Annotated[int, Field(ge=0, le=MAX_SEQ)]


class StoredMessage(BaseModel):
    """One committed message: its runs of sequence numbers, the ids of its first and last item."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    runs: list[tuple[Seq, Seq]] = Field(min_length=1, max_length=MAX_ITEMS_PER_MESSAGE)
    first: UUID
    last: UUID

    @model_validator(mode="after")
    def _runs_ordered_and_bounded(self) -> "StoredMessage":
        previous = -1
        items = 0
        for low, high in self.runs:
            if low <= previous or high < low:
                raise ValueError("runs must be increasing, disjoint [first, last] pairs")
            items += high - low + 1
            if items > MAX_ITEMS_PER_MESSAGE:
                raise ValueError(f"a message holds at most {MAX_ITEMS_PER_MESSAGE} items")
            previous = high
        return self

    @property
    def low(self) -> int:
        """The sequence number of the message's first item (the one `first` names)."""
        return self.runs[0][0]

    @property
    def high(self) -> int:
        """The sequence number of the message's last item (the one `last` names)."""
        return self.runs[-1][1]

    @classmethod
    def of(cls, items: Iterable[tuple[int, UUID]]) -> "StoredMessage | None":
        """The receipt entry of a message's (seq, id) pairs; None when there are none."""
        by_seq: dict[int, UUID] = {}
        for seq, item_id in items:
            by_seq.setdefault(seq, item_id)
        if not by_seq:
            return None
        seqs = sorted(by_seq)
        runs: list[tuple[int, int]] = []
        for seq in seqs:
            if runs and runs[-1][1] == seq - 1:
                runs[-1] = (runs[-1][0], seq)
            else:
                runs.append((seq, seq))
        return cls(runs=runs, first=by_seq[seqs[0]], last=by_seq[seqs[-1]])


class Receipt(BaseModel):
    """One receipt message: the stored messages of one device, from one commit."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    v: Literal[1] = 1
    site: Name
    device: Name
    messages: list[StoredMessage] = Field(min_length=1, max_length=MAX_MESSAGES_PER_RECEIPT)

    @property
    def topic(self) -> str:
        """The device's receipts topic."""
        return str(Topic(self.site, self.device, Channel.RECEIPTS))


def receipts_for(site: str, device: str, messages: Sequence[StoredMessage]) -> list[Receipt]:
    """`messages` as few receipts as fit the size and count limits."""
    receipts: list[Receipt] = []
    chunk: list[StoredMessage] = []
    size = 0
    budget = MAX_RECEIPT_BYTES - 256  # the envelope's own fields
    for message in messages:
        cost = len(message.model_dump_json()) + 1
        if chunk and (size + cost > budget or len(chunk) == MAX_MESSAGES_PER_RECEIPT):
            receipts.append(Receipt(site=site, device=device, messages=chunk))
            chunk, size = [], 0
        chunk.append(message)
        size += cost
    if chunk:
        receipts.append(Receipt(site=site, device=device, messages=chunk))
    return receipts


def encode_receipt(receipt: Receipt) -> bytes:
    """A receipt as compact UTF-8 JSON."""
    return receipt.model_dump_json().encode()


def _translate(err: ValidationError) -> ContractError:
    first = err.errors(include_url=False)[0]
    where = ".".join(str(part) for part in first["loc"]) or None
    if first["type"] == "json_invalid":
        return ContractError(ContractErrorReason.MALFORMED_JSON, first["msg"])
    if where == "v":
        reason = ContractErrorReason.UNKNOWN_VERSION
        return ContractError(reason, "receipt version must be 1", field="v")
    return ContractError(ContractErrorReason.SCHEMA, first["msg"], field=where)


def decode_receipt(topic: str, payload: bytes, *, max_bytes: int = MAX_RECEIPT_BYTES) -> Receipt:
    """Parse a receipt received on `topic`; ContractError unless it is valid for that topic."""
    parsed = Topic.parse(topic)
    if parsed.channel is not Channel.RECEIPTS:
        raise ContractError(ContractErrorReason.BAD_TOPIC, f"{parsed.channel} is not receipts")
    if len(payload) > max_bytes:
        raise ContractError(
            ContractErrorReason.OVERSIZED, f"{len(payload)} bytes exceeds the limit of {max_bytes}"
        )
    try:
        receipt = Receipt.model_validate_json(payload)
    except ValidationError as err:
        raise _translate(err) from err
    if (receipt.site, receipt.device) != (parsed.site, parsed.device):
        raise ContractError(
            ContractErrorReason.TOPIC_MISMATCH,
            f"receipt for {receipt.site}/{receipt.device} on {parsed.site}/{parsed.device}'s topic",
        )
    return receipt
