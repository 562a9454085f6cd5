"""What `txng demo` shows: a live progress line and a final summary (the one stdout writer)."""

import json
import shutil
import sys
from dataclasses import dataclass, field

from cloud.db.counts import DeviceCounts, DeviceKey

SUMMARY_PREFIX = "summary "


@dataclass(frozen=True)
class Snapshot:
    """The pipeline's counts at one moment of the demo."""

    elapsed_s: float
    received: int  # MQTT messages the ingester took
    stored: int  # items newly stored
    duplicates: int  # items received again and ignored
    dead_letters: int
    devices: dict[DeviceKey, DeviceCounts] = field(default_factory=dict)
    published: dict[DeviceKey, int] = field(default_factory=dict)  # items the broker acked


def show(text: str = "", *, transient: bool = False) -> None:
    """Write to stdout; a transient line is redrawn in place (terminals only)."""
    if transient:  # cut to the terminal's width, or the redraw would scroll
        width = shutil.get_terminal_size().columns - 1
        sys.stdout.write(f"\r\x1b[K{text[:width]}")
    else:
        sys.stdout.write(f"{text}\n")
    sys.stdout.flush()


def device_name(key: DeviceKey) -> str:
    """`site/device`, as in topics."""
    return f"{key[0]}/{key[1]}"


def _kinds(counts: DeviceCounts) -> str:
    parts = [
        f"{n} {word if n == 1 else plural}"
        for n, word, plural in (
            (counts.events, "scan", "scans"),
            (counts.readings, "reading", "readings"),
            (counts.status, "status", "status"),
        )
        if n
    ]
    return ", ".join(parts) or "nothing yet"


def progress_line(snapshot: Snapshot) -> str:
    """One line: messages received, items stored, and what each device has stored."""
    devices = " │ ".join(
        f"{device_name(key)}: {_kinds(counts)}" for key, counts in snapshot.devices.items()
    )
    return (
        f"[{snapshot.elapsed_s:5.0f} s] received {snapshot.received} msgs · "
        f"stored {snapshot.stored} items · dead letters {snapshot.dead_letters} │ {devices}"
    )


def summary_lines(snapshot: Snapshot) -> list[str]:
    """The closing report: a readable block, then one `summary {json}` line for machines."""
    lines = [
        f"stopped after {snapshot.elapsed_s:.1f} s: {snapshot.received} messages received, "
        f"{snapshot.stored} items stored ({snapshot.duplicates} duplicates ignored), "
        f"{snapshot.dead_letters} dead letters"
    ]
    for key, counts in snapshot.devices.items():
        lines.append(
            f"  {device_name(key):<32} stored {_kinds(counts)}; "
            f"{snapshot.published.get(key, 0)} items acknowledged by the broker"
        )
    document = {
        "elapsed_s": round(snapshot.elapsed_s, 1),
        "messages_received": snapshot.received,
        "items_stored": snapshot.stored,
        "duplicates": snapshot.duplicates,
        "dead_letters": snapshot.dead_letters,
        "devices": {
            device_name(key): {
                "events": counts.events,
                "readings": counts.readings,
                "status": counts.status,
                "published": snapshot.published.get(key, 0),
            }
            for key, counts in snapshot.devices.items()
        },
    }
    lines.append(SUMMARY_PREFIX + json.dumps(document, separators=(",", ":")))
    return lines
