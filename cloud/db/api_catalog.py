"""SQL the API reads master data with: products, batches (with a derived status), locations."""

from datetime import date
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db.api_common import Where, fetch_dicts, page

# A batch belongs to a site when the site made it or it stayed there (in a unit too).
SITE_OF_BATCH = (
    "(b.site_id = %(site)s OR EXISTS (SELECT 1 FROM batch_presence ps WHERE ps.batch_id = b.id "
    "AND ps.site_id = %(site)s))"
)
# A product is a site's when the site has a batch of it.
PRODUCT_OF_SITE = f"EXISTS (SELECT 1 FROM batches b WHERE b.gtin = p.gtin AND {SITE_OF_BATCH})"

_PRODUCT_SELECT = (
    "SELECT p.gtin, p.name, p.product_group, p.ocop_stars, p.producer_name, p.producer_address, "
    "p.producer_gln, p.image_url, p.net_content, p.standards, p.shelf_life_days, "
    "COALESCE(p.profile_id, g.profile_id) AS profile_id, p.serialised, p.updated_at "
    "FROM products p LEFT JOIN product_groups g ON g.id = p.product_group"
)


def list_products(
    cur: Cursor, *, site: str | None, q: str | None, group: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Products whose name or GTIN contains `q`, optionally of one group (and `site`'s)."""
    where = Where()
    where.when(site, PRODUCT_OF_SITE, "site")
    where.when(f"%{q}%" if q else None, "(p.name ILIKE %(q)s OR p.gtin LIKE %(q)s)", "q")
    where.when(group, "p.product_group = %(group)s", "group")
    return page(cur, select=_PRODUCT_SELECT, where=where, order="gtin", limit=limit, offset=offset)


def get_product(cur: Cursor, *, gtin: str, site: str | None) -> dict[str, Any] | None:
    """One product by GTIN-14 (given `site`: if it is one of that site's)."""
    where = Where()
    where.add("p.gtin = %(gtin)s", gtin=gtin)
    where.when(site, PRODUCT_OF_SITE, "site")
    cur.execute(f"{_PRODUCT_SELECT} {where.sql}", where.params)
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


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
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


def list_locations(
    cur: Cursor, *, site: str | None, kind: str | None, limit: int, offset: int
) -> tuple[list[dict[str, Any]], int]:
    """Locations with their kind, GLN, coordinates and profile."""
    where = Where()
    where.when(site, "l.site_id = %(site)s", "site")
    where.when(kind, "l.kind = %(kind)s", "kind")
    select = (
        "SELECT l.site_id, l.code, l.kind, l.name, l.gln, l.gln_extension, l.latitude, "
        "l.longitude, l.profile_id FROM locations l"
    )
    return page(cur, select=select, where=where, order="site_id, code", limit=limit, offset=offset)


def batch_band(cur: Cursor, *, batch_id: int) -> dict[str, Any] | None:
    """The allowed range of the batch's product (its own profile, else its group's)."""
    cur.execute(
        "SELECT pf.id AS profile_id, pf.quantity, pf.min_value, pf.max_value FROM batches b "
        "JOIN products p ON p.gtin = b.gtin LEFT JOIN product_groups g ON g.id = p.product_group "
        "JOIN cold_chain_profiles pf ON pf.id = COALESCE(p.profile_id, g.profile_id) "
        "WHERE b.id = %s",
        (batch_id,),
    )
    rows = fetch_dicts(cur)
    return rows[0] if rows else None


def batch_excursions(cur: Cursor, *, batch_id: int) -> list[dict[str, Any]]:
    """The batch's excursions, oldest first."""
    cur.execute(
        "SELECT site_id, location, direction, start_time, end_time, last_time, peak, "
        "alert_key IS NOT NULL AS alerted FROM excursions WHERE batch_id = %s "
        "ORDER BY start_time",
        (batch_id,),
    )
    return fetch_dicts(cur)
