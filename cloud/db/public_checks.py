"""SQL of public checks of serialised codes: counts, times and consented provinces; no person."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.queries import Where, fetch_dicts


@dataclass(frozen=True)
class CheckState:
    """How often and since when a code (GTIN + serial, in the lot of the URL) was checked."""

    checks: int
    first_at: datetime
    window_start: datetime
    window_checks: int
    commissioned: bool
    places: list[tuple[str, datetime]]  # (province, last check from there), consented only


# One statement: count the check (a window opens at the first check after the last one
# closed) and answer the code's state with the provinces shared within the window.
_PLACES = """ARRAY(
        SELECT province || '|' || to_char(last_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS')
          FROM public_check_places p
         WHERE p.gtin = %(gtin)s::bpchar AND p.serial = %(serial)s::text
           AND p.batch_id = {batch} AND p.last_at >= now() - %(window)s::interval
         ORDER BY p.last_at) AS places"""
_RECORD = prepared.statement(
    "txng_public_check",
    f"""
    WITH counted AS (
        INSERT INTO public_checks AS c (gtin, serial, batch_id, site_id, commissioned, checks,
                                        first_at, last_at, window_start, window_checks)
        SELECT b.gtin, %(serial)s::text, b.id, b.site_id,
               EXISTS (SELECT 1 FROM commissioned_items i WHERE i.gtin = b.gtin
                       AND i.serial = %(serial)s::text AND i.batch_id = b.id),
               1, now(), now(), now(), 1
          FROM batches b WHERE b.gtin = %(gtin)s::bpchar AND b.lot = %(lot)s::text
        ON CONFLICT (gtin, serial, batch_id) DO UPDATE SET
            checks = c.checks + 1,
            last_at = now(),
            commissioned = excluded.commissioned,
            window_start = CASE WHEN c.window_start < now() - %(window)s::interval
                                THEN now() ELSE c.window_start END,
            window_checks = CASE WHEN c.window_start < now() - %(window)s::interval
                                 THEN 1 ELSE c.window_checks + 1 END
        RETURNING batch_id, checks, first_at, window_start, window_checks, commissioned
    )
    SELECT checks, first_at, window_start, window_checks, commissioned,
           {_PLACES.format(batch="counted.batch_id")}
      FROM counted
    """,
)
_STATE = prepared.statement(
    "txng_public_check_state",
    f"""
    SELECT c.checks, c.first_at, c.window_start, c.window_checks, c.commissioned,
           {_PLACES.format(batch="c.batch_id")}
      FROM public_checks c JOIN batches b ON b.id = c.batch_id
     WHERE c.gtin = %(gtin)s::bpchar AND c.serial = %(serial)s::text AND b.lot = %(lot)s::text
    """,
)


def _state(row: tuple[Any, ...] | None) -> CheckState | None:
    if row is None:
        return None
    checks, first_at, window_start, window_checks, commissioned, places = row
    parsed = []
    for entry in places:
        province, _, at = entry.partition("|")
        parsed.append((province, datetime.fromisoformat(at + "+00:00")))
    return CheckState(int(checks), first_at, window_start, int(window_checks),
                      bool(commissioned), parsed)


def _params(gtin: str, lot: str, serial: str, window_s: float) -> dict[str, str]:
    return {"gtin": gtin, "lot": lot, "serial": serial, "window": f"{window_s} seconds"}


def record_check(
    cur: Cursor, *, gtin: str, lot: str, serial: str, window_s: float
) -> CheckState | None:
    """Count one public check of the code in batch (gtin, lot); None if there is no batch."""
    params = _params(gtin, lot, serial, window_s)
    prepared.execute(cur, _RECORD, params)
    return _state(cur.fetchone())


def check_state(
    cur: Cursor, *, gtin: str, lot: str, serial: str, window_s: float
) -> CheckState | None:
    """The code's state without counting a check; None if it was never checked."""
    params = _params(gtin, lot, serial, window_s)
    prepared.execute(cur, _STATE, params)
    return _state(cur.fetchone())


def record_place(cur: Cursor, *, gtin: str, lot: str, serial: str, province: str) -> bool:
    """Add a consented province to a check of the code; False if the code was never checked."""
    cur.execute(
        "INSERT INTO public_check_places AS p (gtin, serial, batch_id, province, checks, "
        "first_at, last_at) SELECT c.gtin, c.serial, c.batch_id, %(p)s, 1, now(), now() "
        "FROM public_checks c JOIN batches b ON b.id = c.batch_id "
        "WHERE c.gtin = %(g)s AND c.serial = %(s)s AND b.lot = %(l)s "
        "ON CONFLICT (gtin, serial, batch_id, province) DO UPDATE SET "
        "checks = p.checks + 1, last_at = now() RETURNING 1",
        {"g": gtin, "s": serial, "l": lot, "p": province},
    )
    return cur.fetchone() is not None


def checked_codes(
    cur: Cursor, *, site: str | None, gtin: str | None, window_s: float, often: int, limit: int
) -> list[dict[str, Any]]:
    """Codes worth an inspector's look: never commissioned, checked often, or from 2+ places."""
    where = Where()
    where.when(site, "c.site_id = %(site)s", "site")
    where.when(gtin, "c.gtin = %(gtin)s", "gtin")
    where.add(
        "(NOT c.commissioned OR (c.window_checks >= %(often)s AND c.window_start >= now() - "
        "%(window)s::interval) OR cardinality(pl.provinces) >= 2)",
        often=often, window=f"{window_s} seconds",
    )
    cur.execute(
        f"""
        SELECT c.gtin, c.serial, b.lot, c.batch_id, c.site_id, c.commissioned, c.checks,
               c.first_at, c.last_at, c.window_start, c.window_checks, pl.provinces
          FROM public_checks c JOIN batches b ON b.id = c.batch_id
          CROSS JOIN LATERAL (
              SELECT ARRAY(SELECT p.province FROM public_check_places p
                            WHERE p.gtin = c.gtin AND p.serial = c.serial
                              AND p.batch_id = c.batch_id
                              AND p.last_at >= now() - %(window)s::interval
                            ORDER BY p.last_at) AS provinces
          ) pl
          {where.sql}
         ORDER BY c.last_at DESC
         LIMIT %(limit)s
        """,
        {**where.params, "limit": limit},
    )
    return fetch_dicts(cur)


def product_summary(cur: Cursor, *, site: str | None, gtin: str | None) -> list[dict[str, Any]]:
    """Per site and product: codes checked, checks, first and last check, never commissioned."""
    where = Where()
    where.when(site, "c.site_id = %(site)s", "site")
    where.when(gtin, "c.gtin = %(gtin)s", "gtin")
    cur.execute(
        f"""
        SELECT c.site_id, c.gtin, p.name AS product_name, count(*) AS codes,
               sum(c.checks) AS checks, min(c.first_at) AS first_at, max(c.last_at) AS last_at,
               count(*) FILTER (WHERE NOT c.commissioned) AS not_commissioned
          FROM public_checks c LEFT JOIN products p ON p.gtin = c.gtin
          {where.sql}
         GROUP BY c.site_id, c.gtin, p.name ORDER BY c.site_id, c.gtin
        """,
        where.params,
    )
    return fetch_dicts(cur)
