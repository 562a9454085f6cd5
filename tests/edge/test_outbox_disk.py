"""A full disk under the outbox: scans kept, readings thinned, alarm raised, the floor held."""

import logging
import os
from pathlib import Path

import pytest

from contract import DeviceState
from edge.config import DeviceConfig
from tests.edge.helpers import Collector, device_config, is_scan, probe, running_agent, scanner
from tests.support.broker import MosquittoBroker
from tests.support.filesystems import small_filesystem
from tests.support.waiting import wait_for

VOLUME = 4 * 1024 * 1024
FLOOR = 1024 * 1024
SOFT = 256 * 1024


def _free(path: Path) -> int:
    stat = os.statvfs(path)
    return stat.f_bavail * stat.f_frsize


def _serial(raw: str) -> int:
    return int(raw.rsplit("\x1d21", 1)[1])


def test_a_full_disk_keeps_scans_thins_readings_and_writes_nothing_past_the_floor(
    broker: MosquittoBroker, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="edge")
    with small_filesystem(tmp_path / "volume", VOLUME) as volume:
        document = device_config(
            mqtt_url=broker.url,
            outbox=volume / "outbox.sqlite",
            readers=[scanner(rate=1000, seed=3), probe("probe-a", interval=0.002)],
            delivery={"confirm": "puback"},  # to drain without an ingester at the end
        )
        document["outbox"] |= {"max_bytes": SOFT, "min_free_bytes": FLOOR}
        config = DeviceConfig.model_validate(document)
        collector = Collector(broker.url, config.site, config.device).__enter__()
        broker.stop()  # nothing leaves the device: it all stays in the outbox
        lowest = VOLUME
        with running_agent(config) as agent:
            space = agent.outbox.space
            def refusing_for_a_while() -> bool:
                nonlocal lowest
                lowest = min(lowest, _free(volume))
                return space.refused_scans >= 300 and space.refused_readings >= 300
            wait_for(refusing_for_a_while, timeout=90, interval=0.01)
            stats = agent.outbox.stats()
            status = agent.publisher._reporter.status(DeviceState.ONLINE)
            assert stats.alarm and status.outbox_alarm and status.outbox_refused == stats.refused
            assert stats.drops > 0 and stats.bytes > SOFT  # readings thinned; scans past the bound
            assert lowest >= FLOOR, f"{lowest} bytes free, under the floor {FLOOR}"

            broker.start()  # the outbox drains: its pages are reused, and items come in again
            wait_for(lambda: not space.refusing and agent.outbox.stats().depth < 100, timeout=60)
            refused = {_serial(r.args[0]) for r in caplog.records  # type: ignore[index]
                       if r.msg.startswith("outbox full: refused scan")}
            assert len(refused) == space.refused_scans

            def scanned() -> set[int]:
                return {_serial(a.item.raw) for a in collector.snapshot() if is_scan(a.item)}

            # scans taken after the refusals arrive too
            wait_for(lambda: max(scanned(), default=0) > max(refused) + 100, timeout=60)
        collector.__exit__()
        arrived = scanned()
        # Every scan either arrived or was refused by name: none was dropped or thinned.
        assert not arrived & refused
        everything = arrived | refused
        assert everything == set(range(min(everything), max(everything) + 1))
        assert any("refusing new items" in r.getMessage() for r in caplog.records)
        assert any("accepting items again" in r.getMessage() for r in caplog.records)
