"""The hostile payloads of the hostile-input issue, each with the dead letter reason it must get.

Built from a fresh valid envelope on each call (new item ids), for the contract's tests and
for those that send them through a real ingester.
"""

import json

from contract import MAX_MESSAGE_BYTES, ContractErrorReason
from tests.support.factory import DEVICE, SITE, message, reading

HEAD = f'{{"v":1,"site":"{SITE}","device":"{DEVICE}","sent_at":"2026-11-01T06:00:00Z",'.encode()


def hostile_payloads() -> dict[str, tuple[bytes, ContractErrorReason]]:
    """Name → (payload for a readings topic of SITE/DEVICE, the reason it must be refused)."""
    valid = message([reading(1), reading(2)])[1]

    def _with(**changes: object) -> bytes:
        document = json.loads(valid)
        document.update(changes)
        return json.dumps(document).encode()

    def _item_with(**changes: object) -> bytes:
        document = json.loads(valid)
        document["items"][0].update(changes)
        return json.dumps(document).encode()

    return {
        "nesting bomb in items (2,000 [)": (
            HEAD + b'"items":' + b"[" * 2000 + b"]" * 2000 + b"}",
            ContractErrorReason.TOO_DEEP,
        ),
        "nesting bomb, unbalanced": (
            HEAD + b'"items":' + b"[" * 100_000,
            ContractErrorReason.TOO_DEEP,
        ),
        "objects 3,000 deep": (b'{"a":' * 3000 + b"1" + b"}" * 3000, ContractErrorReason.TOO_DEEP),
        "nesting 17 deep (past the contract's bound)": (
            HEAD + b'"items":[' + b'{"a":' * 15 + b"1" + b"}" * 15 + b"]}",
            ContractErrorReason.TOO_DEEP,
        ),
        "invalid UTF-8": (
            valid.replace(b"probe-1", b"probe-\xff"),
            ContractErrorReason.MALFORMED_JSON,
        ),
        "lone surrogate escape": (
            valid.replace(b"probe-1", b"probe-\\ud800"),
            ContractErrorReason.MALFORMED_JSON,
        ),
        "NaN": (_item_with(value=0.5).replace(b"0.5", b"NaN"), ContractErrorReason.MALFORMED_JSON),
        "Infinity": (
            _item_with(value=0.5).replace(b"0.5", b"-Infinity"),
            ContractErrorReason.MALFORMED_JSON,
        ),
        "a number with 10,000 digits": (
            _item_with(value=0.5).replace(b"0.5", b"9" * 10_000),
            ContractErrorReason.MALFORMED_JSON,
        ),
        "valid JSON, a string": (b'"just a string"', ContractErrorReason.SCHEMA),
        "valid JSON, a list": (b"[1, 2, 3]", ContractErrorReason.SCHEMA),
        "valid JSON, null": (b"null", ContractErrorReason.SCHEMA),
        "empty": (b"", ContractErrorReason.MALFORMED_JSON),
        "2,001 items": (
            message([reading(n) for n in range(1000)])[1].replace(
                b'"items":[', b'"items":[' + b"{}," * 1001
            ),
            ContractErrorReason.SCHEMA,
        ),
        "256 KiB + 1": (
            valid + b" " * (MAX_MESSAGE_BYTES + 1 - len(valid)),
            ContractErrorReason.OVERSIZED,
        ),
        "version as a huge list": (_with(v=[[1] * 50] * 50), ContractErrorReason.UNKNOWN_VERSION),
        "an extra key holding NUL": (
            valid.replace(b'"v":1', b'"v":1,"\\u0000":1'),
            ContractErrorReason.SCHEMA,
        ),
    }
