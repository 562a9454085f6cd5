"""Prometheus metrics of one ingester (its own registry, so several can live in one process)."""

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class IngestMetrics:
    """Counters of messages and items, the queue depth and the commit latency."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.messages_received = Counter(
            "txng_ingest_messages_received", "MQTT messages received", registry=self.registry
        )
        self.messages_acked = Counter(
            "txng_ingest_messages_acked",
            "MQTT messages acknowledged after commit",
            registry=self.registry,
        )
        self.items_stored = Counter(
            "txng_ingest_items_stored", "Items newly stored", ["kind"], registry=self.registry
        )
        self.items_quarantined = Counter(
            "txng_ingest_items_quarantined",
            "Items newly stored in quarantine (their device awaits approval); part of stored",
            ["kind"],
            registry=self.registry,
        )
        self.items_duplicate = Counter(
            "txng_ingest_items_duplicate",
            "Items already stored (redeliveries)",
            ["kind"],
            registry=self.registry,
        )
        self.dead_letters = Counter(
            "txng_ingest_dead_letters",
            "Messages or items sent to the dead-letter table",
            ["reason"],
            registry=self.registry,
        )
        self.database_retries = Counter(
            "txng_ingest_database_retries",
            "Batches retried because the database was unavailable",
            registry=self.registry,
        )
        self.receipts_published = Counter(
            "txng_ingest_receipts_published",
            "Stored messages named in a receipt published to their device",
            registry=self.registry,
        )
        self.receipts_dropped = Counter(
            "txng_ingest_receipts_dropped",
            "Stored messages whose receipt could not be published (the device resends them)",
            registry=self.registry,
        )
        self.queue_depth = Gauge(
            "txng_ingest_queue_depth", "Messages waiting for the writer", registry=self.registry
        )
        self.commit_seconds = Histogram(
            "txng_ingest_commit_seconds",
            "Time to store and commit one batch",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=self.registry,
        )
        self.batch_messages = Histogram(
            "txng_ingest_batch_messages",
            "Messages per committed batch",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500, 1000),
            registry=self.registry,
        )

    def value(self, name: str, **labels: str) -> float:
        """Current value of a sample, for tests and benchmarks (0 when absent)."""
        found = self.registry.get_sample_value(name, labels or None)
        return float(found) if found is not None else 0.0
