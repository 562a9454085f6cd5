"""The demo's devices: one config per device of the story, pointed at the demo's broker."""

from collections import defaultdict
from pathlib import Path
from typing import Any

from edge.config import DeviceConfig
from txng.demo.story import PLACES, PROBE_INTERVAL_S, PROBES, SCENES, START, DeviceKey

_HEARTBEAT_S = 30


def _scanners(device: DeviceKey) -> list[dict[str, Any]]:
    """One scripted scanner per reader of the device, with all its scenes' scans in order."""
    scans: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for scene in SCENES:
        if scene.device != device:
            continue
        for at, code in scene.scans():
            scans[(scene.reader, scene.location)].append(
                {"at": at, "code": code, "biz_step": scene.biz_step}
            )
    return [
        {
            "type": "scripted_scanner",
            "name": reader,
            "location": location,
            "scans": sorted(entries, key=lambda entry: entry["at"]),
        }
        for (reader, location), entries in scans.items()
    ]


def _probes(device: DeviceKey) -> list[dict[str, Any]]:
    return [
        {
            "type": "simulated_temperature",
            "name": probe.name,
            "location": probe.location,
            "set_point": probe.set_point,
            "drift": probe.drift,
            "drift_period_s": 24 * 3600.0,
            "noise": 0.1,
            "interval_s": PROBE_INTERVAL_S,
            "seed": index,
            "excursions": [
                {"after_s": (at - START).total_seconds(), "duration_s": minutes * 60, "delta": up}
                for at, minutes, up in probe.excursions
            ],
        }
        for index, probe in enumerate(PROBES)
        if probe.device == device
    ]


def story_devices(*, mqtt: dict[str, Any], state_dir: Path) -> list[DeviceConfig]:
    """Every device of the story, its outbox in `state_dir`, connecting with `mqtt`."""
    configs = []
    for (site, device), places in PLACES.items():
        document = {
            "site": site,
            "device": device,
            "locations": {
                place.code: {
                    "kind": place.kind,
                    "gln": place.gln,
                    "gln_extension": place.gln_extension,
                }
                for place in places
            },
            "mqtt": mqtt,
            "outbox": {"path": state_dir / f"{site}.{device}.outbox.sqlite"},
            "status": {"heartbeat_s": _HEARTBEAT_S},
            "clock": {"sync": "synced"},
            "readers": _scanners((site, device)) + _probes((site, device)),
        }
        configs.append(DeviceConfig.model_validate(document))
    return configs
