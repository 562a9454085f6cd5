"""SQL of serial numbers: allocation for print jobs (no gaps, no reuse), jobs and label facts."""

from dataclasses import dataclass
from datetime import date
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.queries import fetch_dicts

# A serial txng allocates: a decimal number without leading zeros (GS1 AI 21 holds 20 chars).
NUMERIC_SERIAL = r"^[1-9][0-9]{0,17}$"


@dataclass(frozen=True)
class LabelFacts:
    """What a label prints of a batch and its product."""

    batch_id: int
    gtin: str
    lot: str
    site_id: str | None
    product_name: str | None
    net_content: str | None
    producer_name: str | None
    production_date: date | None
    pack_date: date | None
    expiry_date: date | None


@dataclass(frozen=True)
class Job:
    """A print job of serialised labels and the serials it commissioned, in order."""

    id: int
    batch_id: int
    symbology: str
    serials: list[str]


def label_facts(cur: Cursor, *, batch_id: int, site: str | None) -> LabelFacts | None:
    """The batch's label facts; None if it does not exist or is not of `site` (when given)."""
    cur.execute(
        "SELECT b.id AS batch_id, b.gtin, b.lot, b.site_id, p.name AS product_name, "
        "p.net_content, p.producer_name, b.production_date, b.pack_date, b.expiry_date "
        "FROM batches b LEFT JOIN products p ON p.gtin = b.gtin "
        "WHERE b.id = %(b)s AND (%(site)s::text IS NULL OR b.site_id = %(site)s)",
        {"b": batch_id, "site": site},
    )
    rows = fetch_dicts(cur)
    return LabelFacts(**rows[0]) if rows else None


def _locked_next(cur: Cursor, gtin: str) -> int:
    """Lock the GTIN's counter (made on first use, after every numeric serial commissioned)."""
    cur.execute(
        "INSERT INTO serial_counters (gtin, next_serial) "
        "SELECT %(g)s, coalesce(max(serial::bigint), 0) + 1 FROM commissioned_items "
        f"WHERE gtin = %(g)s AND serial ~ '{NUMERIC_SERIAL}' "
        "ON CONFLICT (gtin) DO NOTHING",
        {"g": gtin},
    )
    cur.execute("SELECT next_serial FROM serial_counters WHERE gtin = %s FOR UPDATE", (gtin,))
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def allocate(
    cur: Cursor, *, batch_id: int, gtin: str, count: int, symbology: str, created_by: str | None
) -> Job:
    """Commission the GTIN's next `count` free serials into the batch, as one print job.

    Call inside the transaction that must commit them: the counter's row lock queues other
    jobs for the same GTIN until it ends, and a rollback returns the numbers. A number
    commissioned by other means (a CSV file) is skipped, never reused.
    """
    start = _locked_next(cur, gtin)
    cur.execute(
        "INSERT INTO label_jobs (batch_id, symbology, count, first_serial, last_serial, "
        "created_by) VALUES (%s, %s, %s, '', '', %s) RETURNING id",
        (batch_id, symbology, count, created_by),
    )
    row = cur.fetchone()
    assert row is not None
    job_id = int(row[0])
    serials: list[int] = []
    while len(serials) < count:
        need = count - len(serials)
        cur.execute(
            "INSERT INTO commissioned_items (gtin, serial, batch_id, label_job) "
            "SELECT %(g)s, n::text, %(b)s, %(j)s FROM generate_series(%(s)s::bigint, "
            "%(s)s::bigint + %(n)s - 1) AS n "
            "ON CONFLICT (gtin, serial) DO NOTHING RETURNING serial",
            {"g": gtin, "b": batch_id, "j": job_id, "s": start, "n": need},
        )
        serials += sorted(int(r[0]) for r in cur.fetchall())
        start += need
    cur.execute("UPDATE serial_counters SET next_serial = %s WHERE gtin = %s", (start, gtin))
    cur.execute(
        "UPDATE label_jobs SET first_serial = %s, last_serial = %s WHERE id = %s",
        (str(serials[0]), str(serials[-1]), job_id),
    )
    cur.execute(
        "UPDATE products SET serialised = true, updated_at = now() WHERE gtin = %s "
        "AND NOT serialised",
        (gtin,),
    )
    return Job(job_id, batch_id, symbology, [str(s) for s in serials])


def job(cur: Cursor, *, job_id: int, site: str | None) -> Job | None:
    """A print job with its serials (to print again); None if unknown or not of `site`."""
    cur.execute(
        "SELECT j.id, j.batch_id, j.symbology FROM label_jobs j "
        "JOIN batches b ON b.id = j.batch_id "
        "WHERE j.id = %(j)s AND (%(site)s::text IS NULL OR b.site_id = %(site)s)",
        {"j": job_id, "site": site},
    )
    row = cur.fetchone()
    if row is None:
        return None
    cur.execute(
        "SELECT serial FROM commissioned_items WHERE label_job = %s ORDER BY serial::bigint",
        (job_id,),
    )
    return Job(int(row[0]), int(row[1]), str(row[2]), [r[0] for r in cur.fetchall()])


def jobs_of_batch(cur: Cursor, *, batch_id: int) -> list[dict[str, Any]]:
    """The batch's print jobs, newest first."""
    cur.execute(
        "SELECT id, symbology, count, first_serial, last_serial, created_by, created_at "
        "FROM label_jobs WHERE batch_id = %s ORDER BY id DESC",
        (batch_id,),
    )
    return fetch_dicts(cur)
