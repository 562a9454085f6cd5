"""The cost of `contract.decode` per envelope: valid, partly valid and hostile payloads.

Not a throughput benchmark of the ingester (bench/ingest.py is): it times the decode call
alone, in this process, so that a change to the codec (bounds, parsing) can be weighed in µs
per envelope. Envelopes are built with pydantic models and `contract.encode` (the edge's
encoder), hostile payloads by hand; each kind is decoded `--repeat` times in a loop, and the
fastest of `--rounds` rounds is reported (other load only slows a round down). A baseline is
measured in the same run: `json.loads` of the same valid envelope.

Last line: {"us_per_envelope": {kind: µs, …}, "baseline_json_loads_us": …,
"escaped_exceptions": [kinds whose decode raised something other than ContractError], …}.
"""

import argparse
import json
import os
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from contract import (
    Channel,
    ClockQuality,
    ContractError,
    Envelope,
    SensorReading,
    Topic,
    decode,
    encode,
    new_item_id,
)

SITE, DEVICE = "hy-longan", "pi-cold-01"
TOPIC = str(Topic(SITE, DEVICE, Channel.READINGS))
START = datetime(2026, 11, 1, tzinfo=UTC)


def _envelope(count: int) -> bytes:
    items = [
        SensorReading(
            id=new_item_id(),
            device_time=START + timedelta(seconds=n),
            clock=ClockQuality.SYNCED,
            seq=n,
            sensor="probe-1",
            location="cold-room-1",
            quantity="temperature",
            value=4.0 + n % 10 / 10,
            unit="CEL",
        )
        for n in range(count)
    ]
    return encode(Envelope(site=SITE, device=DEVICE, items=items))


def payloads() -> dict[str, bytes]:
    """Each kind of payload the timing covers."""
    valid_20 = _envelope(20)
    one_bad = json.loads(valid_20)
    one_bad["items"][3]["value"] = -300.0
    head = b'{"v":1,"site":"hy-longan","device":"pi-cold-01","sent_at":"2026-11-01T00:00:00Z",'
    return {
        "valid_20_items": valid_20,
        "valid_1000_items": _envelope(1000),
        "one_bad_item_of_20": json.dumps(one_bad).encode(),
        "nesting_bomb_4k": head + b'"items":' + b"[" * 2000 + b"]" * 2000 + b"}",
        "long_number": head + b'"items":[{"value":' + b"9" * 10_000 + b"}]}",
        "random_bytes_4k": os.urandom(4096),
        "oversized": b" " * (256 * 1024 + 1),
    }


def _time(call: Callable[[], object], repeat: int, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(repeat):
            call()
        best = min(best, (time.perf_counter() - started) / repeat)
    return best * 1e6


def _decode(payload: bytes, escaped: set[str], kind: str) -> Callable[[], object]:
    def run() -> object:
        try:
            return decode(TOPIC, payload)
        except ContractError as err:
            return err
        except Exception as err:  # what a safe decoder never lets out: counted, reported
            escaped.add(f"{kind}: {type(err).__name__}")
            return err

    return run


def main() -> None:
    """Time every kind and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    kinds = payloads()
    figures = {}
    escaped: set[str] = set()
    for kind, payload in kinds.items():
        repeat = max(args.repeat // 50, 2) if kind == "valid_1000_items" else args.repeat
        figures[kind] = round(_time(_decode(payload, escaped, kind), repeat, args.rounds), 1)
        print(f"{kind:>22}: {figures[kind]:10.1f} µs  ({len(payload)} bytes)")
    valid = kinds["valid_20_items"]
    baseline = _time(lambda: json.loads(valid), args.repeat, args.rounds)
    print(
        json.dumps(
            {
                "us_per_envelope": figures,
                "baseline_json_loads_us": round(baseline, 1),
                "valid_20_vs_json_loads": round(figures["valid_20_items"] / baseline, 2),
                "escaped_exceptions": sorted(escaped),
                "repeat": args.repeat,
                "rounds": args.rounds,
            }
        )
    )


if __name__ == "__main__":
    main()
