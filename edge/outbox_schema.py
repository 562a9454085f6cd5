"""The outbox's SQLite schema, its connection settings, and the upgrade of older outboxes."""

import logging
import sqlite3

logger = logging.getLogger(__name__)

VERSION = 2
# The WAL is checkpointed into the database every 256 pages (1 MiB) and cut back to 1 MiB
# afterwards, so that it takes a small, known share of a small disk.
WAL_PAGES = 256
WAL_LIMIT_BYTES = 1024 * 1024

_SCHEMA = """
CREATE TABLE IF NOT EXISTS item (
    seq INTEGER PRIMARY KEY,         -- the item's device sequence number: never reused
    lane INTEGER NOT NULL,           -- 0 events, 1 readings
    sent INTEGER NOT NULL DEFAULT 0, -- 1 once the broker acknowledged it: awaits its receipt
    payload BLOB NOT NULL            -- the item's JSON, id and seq included
);
CREATE INDEX IF NOT EXISTS item_by_lane ON item (lane, seq);
CREATE TABLE IF NOT EXISTS counter (name TEXT PRIMARY KEY, value INTEGER NOT NULL);
INSERT OR IGNORE INTO counter VALUES
    ('next_seq', 0), ('drops', 0), ('refused', 0), ('published', 0);
"""

# Version 1 kept items under an AUTOINCREMENT row id, with the seq only inside the JSON.
_FROM_V1 = """
ALTER TABLE item RENAME TO item_v1;
DROP INDEX IF EXISTS item_by_channel;
{schema}
INSERT INTO item (seq, lane, sent, payload)
    SELECT json_extract(payload, '$.seq'), channel, 0, payload FROM item_v1 ORDER BY id;
DROP TABLE item_v1;
"""


def setup(connection: sqlite3.Connection) -> None:
    """Configure the connection and bring the database to the current schema."""
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA synchronous=FULL")
    connection.execute("PRAGMA busy_timeout=5000")  # only for outside readers, e.g. an inspector
    connection.execute(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
    connection.execute(f"PRAGMA journal_size_limit={WAL_LIMIT_BYTES}")
    version = connection.execute("PRAGMA user_version").fetchone()[0]
    if version >= VERSION:
        return
    columns = {row[1] for row in connection.execute("PRAGMA table_info(item)")}
    script = _FROM_V1.format(schema=_SCHEMA) if "channel" in columns else _SCHEMA
    try:
        connection.executescript(f"BEGIN IMMEDIATE;{script}PRAGMA user_version={VERSION};COMMIT;")
    except sqlite3.Error:
        if connection.in_transaction:
            connection.execute("ROLLBACK")
        raise
    if "channel" in columns:
        logger.warning("outbox upgraded to version %d (items keyed by their seq)", VERSION)
