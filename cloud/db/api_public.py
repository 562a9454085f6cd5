"""SQL of the consumer page (one batch, nothing private) and of the inspector's completeness."""

from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared
from cloud.db.api_common import Where, fetch_dicts
from cloud.db.timeline_store import BATCH_EVENTS_SQL

_CONSUMER_BATCH = prepared.statement(
    "txng_consumer_batch",
    "SELECT b.id, b.gtin, b.lot, b.production_date, b.pack_date, b.expiry_date, "
    "b.origin_code, b.quantity, b.unit, b.verified, p.name AS product_name, "
    "p.image_url, p.producer_name, p.producer_address, p.ocop_stars, p.net_content, "
    "p.standards, p.shelf_life_days, s.name AS site_name, "
    "ol.name AS origin_name, ol.kind AS origin_kind, ol.latitude, ol.longitude, "
    "pf.min_value, pf.max_value, pf.quantity AS profile_quantity, "
    "(SELECT count(*) FROM excursions x WHERE x.batch_id = b.id) AS excursions, "
    "(SELECT count(*) FROM excursions x WHERE x.batch_id = b.id AND x.end_time IS NULL) "
    "  AS open_excursions, "
    "(SELECT count(*) FROM alerts a WHERE a.batch_ids @> ARRAY[b.id] "
    "  AND a.kind LIKE '%%excursion%%') AS excursion_alerts "
    "FROM batches b JOIN products p ON p.gtin = b.gtin "
    "LEFT JOIN product_groups g ON g.id = p.product_group "
    "LEFT JOIN cold_chain_profiles pf ON pf.id = COALESCE(p.profile_id, g.profile_id) "
    "LEFT JOIN sites s ON s.id = b.site_id "
    "LEFT JOIN locations ol ON ol.site_id = b.site_id AND ol.code = b.origin_code "
    "WHERE b.gtin = %(gtin)s AND b.lot = %(lot)s",
)
_CONSUMER_STAGES = prepared.statement(
    "txng_consumer_stages",
    f"WITH ev AS ({BATCH_EVENTS_SQL}) "
    "SELECT ev.biz_step, min(ev.time) AS first_time, max(ev.time) AS last_time, "
    "  s.name AS site_name, l.name AS location_name, l.kind AS location_kind "
    "FROM ev LEFT JOIN sites s ON s.id = ev.site_id "
    "LEFT JOIN locations l ON l.site_id = ev.site_id AND l.code = ev.location "
    "GROUP BY ev.biz_step, ev.site_id, ev.location, s.name, l.name, l.kind "
    "ORDER BY first_time",
)


def consumer_batch(cur: Cursor, *, gtin: str, lot: str) -> dict[str, Any] | None:
    """A batch with its product, producer, origin and cold-chain facts (no device or person)."""
    prepared.execute(cur, _CONSUMER_BATCH, {"gtin": gtin, "lot": lot})
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


def consumer_stages(cur: Cursor, *, batch_id: int) -> list[dict[str, Any]]:
    """The batch's stages: business step, place name and kind, first and last time there.

    From the same events as the batch's timeline (its own, its commissioned serials', its
    units' from packing on).
    """
    prepared.execute(cur, _CONSUMER_STAGES, {"b": batch_id})
    return fetch_dicts(cur)


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
