"""Batches: lists and pages (with a derived status), the consumer's view, serials, completeness."""

from datetime import date
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.async_reads import AsyncReads
from cloud.db.batch_steps_store import PUBLIC_FACTS_COLUMNS, StoryFacts, story_facts_columns
from cloud.db.queries import Where, fetch_dict, fetch_dicts, page
from cloud.db.timeline_store import HEADER_COLUMNS

_CONSUMER_BATCH_SQL = (
    "SELECT b.id, b.gtin, b.lot, b.production_date, b.pack_date, b.expiry_date, "
    "b.origin_code, b.quantity, b.unit, b.verified, b.source, b.site_id, b.first_seen, "
    "p.name AS product_name, p.image_url, p.producer_name, p.producer_address, p.ocop_stars, "
    "p.net_content, p.standards, s.name AS site_name, ol.name AS origin_name, "
    "pf.min_value, pf.max_value, coalesce(pf.quantity = 'temperature', false) AS monitored, "
    "(SELECT count(*) FROM excursions x WHERE x.batch_id = b.id) AS excursions, "
    "(SELECT count(*) FROM alerts a WHERE a.batch_ids @> ARRAY[b.id] "
    "  AND a.kind LIKE '%%excursion%%') AS excursion_alerts "
    "FROM batches b JOIN products p ON p.gtin = b.gtin "
    "LEFT JOIN product_groups g ON g.id = p.product_group "
    "LEFT JOIN cold_chain_profiles pf ON pf.id = COALESCE(p.profile_id, g.profile_id) "
    "LEFT JOIN sites s ON s.id = b.site_id "
    "LEFT JOIN LATERAL (SELECT l.name FROM locations l "
    "  WHERE l.site_id = b.site_id AND b.origin_code IN (l.code, l.area_code) "
    "  ORDER BY l.code = b.origin_code DESC, l.code LIMIT 1) ol ON true "
    "WHERE b.gtin = %(gtin)s AND b.lot = %(lot)s"
)
# The batch's row, then what its consumer's story needs (steps, inputs, seconds out of range):
# one statement, one round trip. The story's header and whether a temperature profile applies
# come from the batch's row (the full story reads them again).
_CONSUMER_PAGE = prepared.statement(
    "txng_consumer_page",
    f"WITH page_batch AS MATERIALIZED ({_CONSUMER_BATCH_SQL}) SELECT page_batch.*, "
    f"{story_facts_columns('page_batch.id', PUBLIC_FACTS_COLUMNS)} FROM page_batch",
)
# The same for several batches at once: one row per batch found, each key's batch looked up as
# the statement above looks up its one (the keys' text arrays unnested in order).
_CONSUMER_PAGES = prepared.statement(
    "txng_consumer_pages",
    "WITH page_batch AS MATERIALIZED (SELECT pb.* FROM unnest(%(gtins)s::text[], "
    "%(lots)s::text[]) AS k(gtin, lot) CROSS JOIN LATERAL ("
    + _CONSUMER_BATCH_SQL.replace("%(gtin)s", "k.gtin::bpchar").replace("%(lot)s", "k.lot")
    # LIMIT 1 (one batch per key anyway) keeps the lookup per key: not flattened into a join
    # planned for unnest's guess of 10 keys (a hash of every product).
    + " LIMIT 1) pb) SELECT page_batch.*, "
    + story_facts_columns("page_batch.id", PUBLIC_FACTS_COLUMNS)
    + " FROM page_batch",
)
_PUBLIC_COLUMNS = 3  # steps, inputs, out of range


async def consumer_page(
    reads: AsyncReads, *, gtin: str, lot: str
) -> tuple[dict[str, Any], StoryFacts] | None:
    """A batch with its product, producer, origin and cold-chain facts, and its story's facts.

    The story's facts are what a consumer's story needs: no alerts, units, outputs or
    captured events (empty). Nothing names a device or a person. None when there is no such
    batch. Awaited in the event loop (the page's one statement, no worker thread).
    """
    found = await reads.fetch_one(_CONSUMER_PAGE, {"gtin": gtin, "lot": lot})
    return None if found is None else _page(*found)


async def consumer_pages(
    reads: AsyncReads, keys: list[tuple[str, str]]
) -> dict[tuple[str, str], tuple[dict[str, Any], StoryFacts]]:
    """consumer_page of each (GTIN, lot) of `keys` found, in one statement."""
    params = {"gtins": [g for g, _ in keys], "lots": [lot for _, lot in keys]}
    names, rows = await reads.fetch_all(_CONSUMER_PAGES, params)
    pages = [_page(names, row) for row in rows]
    return {(batch["gtin"], batch["lot"]): (batch, facts) for batch, facts in pages}


def _page(names: list[str], row: tuple[Any, ...]) -> tuple[dict[str, Any], StoryFacts]:
    batch = dict(zip(names[:-_PUBLIC_COLUMNS], row[:-_PUBLIC_COLUMNS], strict=True))
    steps, inputs, out_of_range = row[-_PUBLIC_COLUMNS:]
    facts = StoryFacts(
        header={k: batch[k] for k in HEADER_COLUMNS},  # all in the batch's row
        steps=steps,
        alerts=[],
        inputs=inputs,
        outputs=[],
        units=[],
        monitored=batch["monitored"],
        out_of_range=out_of_range,
        captured=[],
    )
    return batch, facts


_SERIAL_BATCH = prepared.statement(
    "txng_consumer_serial",
    "SELECT b.gtin, b.lot FROM commissioned_items c JOIN batches b ON b.id = c.batch_id "
    "WHERE c.gtin = %(gtin)s AND c.serial = %(serial)s",
)


def batch_of_serial(cur: Cursor, *, gtin: str, serial: str) -> tuple[str, str] | None:
    """(GTIN, lot) of the batch a serialised item was commissioned into, if it was."""
    prepared.execute(cur, _SERIAL_BATCH, {"gtin": gtin, "serial": serial})
    row = cur.fetchone()
    return (str(row[0]), str(row[1])) if row else None


def completeness(cur: Cursor, *, site: str | None, gtin: str | None) -> list[dict[str, Any]]:
    """Per site and product: the facts Circular 02/2024's minimum data elements are checked on."""
    where = Where()
    where.when(site, "pr.site_id = %(site)s", "site")
    where.when(gtin, "pr.gtin = %(gtin)s", "gtin")
    cur.execute(
        f"""
        WITH pairs AS (
            SELECT DISTINCT site_id, gtin FROM batches WHERE site_id IS NOT NULL
            UNION
            SELECT DISTINCT site_id, gtin FROM events WHERE gtin IS NOT NULL
        ), bs AS (
            SELECT pr.site_id, pr.gtin, count(b.id) AS batches,
                   count(b.id) FILTER (WHERE b.production_date IS NULL
                                       AND b.pack_date IS NULL) AS undated,
                   count(b.id) FILTER (WHERE b.expiry_date IS NULL) AS no_expiry
              FROM pairs pr LEFT JOIN batches b ON b.gtin = pr.gtin AND b.site_id = pr.site_id
             GROUP BY pr.site_id, pr.gtin
        ), es AS (
            SELECT e.site_id, e.gtin, count(*) AS events,
                   count(*) FILTER (WHERE e.lot IS NULL AND e.serial IS NULL) AS no_lot,
                   count(DISTINCT e.location) AS places,
                   count(DISTINCT e.location) FILTER (WHERE l.code IS NULL) AS unregistered,
                   count(DISTINCT e.location) FILTER (WHERE l.gln IS NULL) AS no_gln
              FROM events e LEFT JOIN locations l ON l.site_id = e.site_id AND l.code = e.location
             WHERE e.gtin IS NOT NULL GROUP BY e.site_id, e.gtin
        )
        SELECT pr.site_id, pr.gtin, p.name AS product_name, p.image_url, p.producer_name,
               p.producer_address, p.standards, p.shelf_life_days, p.serialised,
               COALESCE(bs.batches, 0) AS batches, COALESCE(bs.undated, 0) AS undated,
               COALESCE(bs.no_expiry, 0) AS no_expiry, COALESCE(es.events, 0) AS events,
               COALESCE(es.no_lot, 0) AS no_lot, COALESCE(es.places, 0) AS places,
               COALESCE(es.unregistered, 0) AS unregistered, COALESCE(es.no_gln, 0) AS no_gln,
               (SELECT count(*) FROM commissioned_items c WHERE c.gtin = pr.gtin) AS serials
          FROM pairs pr LEFT JOIN products p ON p.gtin = pr.gtin
          LEFT JOIN bs ON bs.site_id = pr.site_id AND bs.gtin = pr.gtin
          LEFT JOIN es ON es.site_id = pr.site_id AND es.gtin = pr.gtin
          {where.sql}
         ORDER BY pr.site_id, pr.gtin
        """,
        where.params,
    )
    return fetch_dicts(cur)


# A batch belongs to a site when the site made it or it stayed there (in a unit too).
SITE_OF_BATCH = (
    "(b.site_id = %(site)s OR EXISTS (SELECT 1 FROM batch_presence ps WHERE ps.batch_id = b.id "
    "AND ps.site_id = %(site)s))"
)


_BATCH_SELECT = (
    "SELECT b.id, b.gtin, b.lot, p.name AS product_name, b.site_id, b.production_date, "
    "b.pack_date, b.expiry_date, b.origin_code, b.quantity, b.unit, b.verified, b.source, "
    "b.first_seen, b.created_at, "
    "CASE WHEN b.expiry_date < current_date THEN 'expired' "
    "     WHEN EXISTS (SELECT 1 FROM alerts a WHERE a.batch_ids @> ARRAY[b.id] "
    "                  AND a.state <> 'cleared') THEN 'alerting' "
    "     WHEN NOT b.verified THEN 'unverified' ELSE 'ok' END AS status "
    "FROM batches b LEFT JOIN products p ON p.gtin = b.gtin"
)


def list_batches(
    cur: Cursor,
    *,
    site: str | None,
    gtin: str | None,
    lot: str | None,
    made_from: date | None,
    made_to: date | None,
    status: str | None,
    limit: int,
    offset: int,
) -> tuple[list[dict[str, Any]], int]:
    """Batches by site, GTIN, lot (prefix), production date range and status, newest first."""
    where = Where()
    where.when(site, SITE_OF_BATCH, "site")
    where.when(gtin, "b.gtin = %(gtin)s", "gtin")
    where.when(f"{lot}%" if lot else None, "b.lot LIKE %(lot)s", "lot")
    where.when(made_from, "b.production_date >= %(made_from)s", "made_from")
    where.when(made_to, "b.production_date <= %(made_to)s", "made_to")
    select = _BATCH_SELECT
    if status is not None:
        select = f"SELECT * FROM ({_BATCH_SELECT} {where.sql}) s"
        where = Where(params=where.params)
        where.add("s.status = %(status)s", status=status)
    return page(
        cur,
        select=select,
        where=where,
        order="production_date DESC NULLS LAST, id DESC",
        limit=limit,
        offset=offset,
    )


def get_batch(cur: Cursor, *, batch_id: int, site: str | None) -> dict[str, Any] | None:
    """One batch by id, if it exists and (given `site`) belongs to that site."""
    where = Where()
    where.add("b.id = %(id)s", id=batch_id)
    where.when(site, SITE_OF_BATCH, "site")
    cur.execute(f"{_BATCH_SELECT} {where.sql}", where.params)
    return fetch_dict(cur)


def batch_band(cur: Cursor, *, batch_id: int) -> dict[str, Any] | None:
    """The allowed range of the batch's product (its own profile, else its group's)."""
    cur.execute(
        "SELECT pf.id AS profile_id, pf.quantity, pf.min_value, pf.max_value FROM batches b "
        "JOIN products p ON p.gtin = b.gtin LEFT JOIN product_groups g ON g.id = p.product_group "
        "JOIN cold_chain_profiles pf ON pf.id = COALESCE(p.profile_id, g.profile_id) "
        "WHERE b.id = %s",
        (batch_id,),
    )
    return fetch_dict(cur)
