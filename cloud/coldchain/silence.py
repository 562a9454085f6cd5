"""Silent probes: a probe that sends nothing for longer than its gap is not a safe probe.

A probe's gap is the smallest silent_after_s of the profiles of the batches at its location
when it last reported, and of the location's own profile; without either, the configured
default (None: such probes are not watched). The alert's key names the probe and its last
reading's time, so every process raises the same one; it ends at the first newer reading.
"""

import logging
from datetime import datetime

from psycopg2.extensions import cursor as Cursor

from cloud.coldchain.evaluate import stamp
from cloud.db.alerts_store import AlertSpec, end_condition, raise_alert
from cloud.db.coldchain_store import resumed_silences, silent_probes
from cloud.db.locks import try_lock

log = logging.getLogger(__name__)

PROBE_SILENT = "probe_silent"


def sweep_silence(
    cur: Cursor, *, now: datetime, default_after_s: int | None, receiving_s: float = 0.0
) -> int:
    """Raise alerts for silent probes and end those whose probe spoke again; return raised.

    Probes with readings received in the last `receiving_s` are catching up, not silent.
    """
    if not try_lock(cur, "coldchain:silence-sweep"):
        return 0  # another process sweeps right now; it reaches the same alerts
    raised = 0
    for probe in silent_probes(cur, now, default_after_s, receiving_s=receiving_s):
        spec = AlertSpec(
            key=f"{PROBE_SILENT}:{probe.site_id}:{probe.device_id}:{probe.sensor}:"
            f"{stamp(probe.last_time)}",
            kind=PROBE_SILENT,
            severity="warning",
            started_at=probe.last_time,
            site_id=probe.site_id,
            location=probe.location,
            sensor=probe.sensor,
            batch_ids=probe.batch_ids,
            details={"device_id": probe.device_id, "silent_after_s": probe.after_s},
        )
        if raise_alert(cur, spec) is not None:
            raised += 1
            log.info("probe silent", extra={"key": spec.key})
    for key, resumed_at in resumed_silences(cur):
        end_condition(cur, key, resumed_at)
    return raised
