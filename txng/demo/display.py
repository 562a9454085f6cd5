"""What `txng demo` shows: the story as it happens, a progress line, what to open, a summary.

This module is the demo's one writer to stdout.
"""

import json
import shutil
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from cloud.db.counts import DeviceCounts, DeviceKey
from txng.demo.story import ICT, SCENES

SUMMARY_KEY = "summary"


@dataclass(frozen=True)
class Snapshot:
    """The pipeline's counts at one moment of the demo."""

    elapsed_s: float
    story_time: datetime
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


def story_time(at: datetime) -> str:
    """A story time as the console shows it (Vietnam's time)."""
    return at.astimezone(ICT).strftime("%d %b %H:%M")


class Narrator:
    """The scenes' lines, each once, when the story's clock has passed its time."""

    def __init__(self, extra: Sequence[tuple[datetime, str]] = ()):
        lines = [(scene.at, scene.text) for scene in SCENES] + list(extra)
        self._pending = sorted(lines, key=lambda line: line[0])

    def due(self, now: datetime) -> list[str]:
        """The lines whose time has come since the last call."""
        lines = []
        while self._pending and self._pending[0][0] <= now:
            at, text = self._pending.pop(0)
            lines.append(f"  {story_time(at)}  {text}")
        return lines


def progress_line(snapshot: Snapshot) -> str:
    """One line: story time, messages received, items stored, dead letters."""
    events = sum(c.events for c in snapshot.devices.values())
    readings = sum(c.readings for c in snapshot.devices.values())
    return (
        f"[{snapshot.elapsed_s:5.0f} s · story {story_time(snapshot.story_time)}] "
        f"received {snapshot.received} msgs · stored {events} scans, {readings} readings · "
        f"dead letters {snapshot.dead_letters}"
    )


def summary_line(snapshot: Snapshot, story: dict[str, Any]) -> str:
    """The closing report for machines: one JSON object, {"summary": {…}}."""
    document = {
        **story,
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
    return json.dumps({SUMMARY_KEY: document}, ensure_ascii=False, separators=(",", ":"))
