"""Names of the derived-work kinds and alert kinds that traceability adds."""

# Derived work (see cloud/derive/registry.py).
EVENT_CHAIN = "event_chain"  # key: site; from/to: received_at of the events to chain
INTEGRITY_CODE = "integrity_code"  # key: sgtin|gtin|serial or sscc|sscc
INTEGRITY_BATCH = "integrity_batch"  # key: gtin|lot, with the event-time range scanned

# Alerts (see cloud/db/alerts_store.py).
IMPOSSIBLE_TRAVEL = "impossible_travel"
UNCOMMISSIONED_CODE = "uncommissioned_code"
EXPIRED_BATCH_SCAN = "expired_batch_scan"
