"""SQL of master data: upserts of profiles, groups, products, batches, locations and serials."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from psycopg2.extensions import cursor as Cursor
from psycopg2.extras import execute_values

from cloud.db.batches_store import SITE_OF_BATCH
from cloud.db.queries import Where, fetch_dict, page


def upsert(
    cur: Cursor,
    table: str,
    *,
    keys: Sequence[str],
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
    also_set: str = "",
) -> None:
    """Insert rows of `columns`; a row whose `keys` exist overwrites those columns."""
    if not rows:
        return
    updates = [f"{c} = excluded.{c}" for c in columns if c not in keys]
    if also_set:
        updates.append(also_set)
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    execute_values(
        cur,
        f"INSERT INTO {table} AS t ({', '.join(columns)}) VALUES %s "
        f"ON CONFLICT ({', '.join(keys)}) {action}",
        [tuple(r) for r in rows],
    )


def existing(cur: Cursor, table: str, column: str, values: Iterable[str]) -> set[str]:
    """Which of `values` exist in `table.column`."""
    wanted = sorted(set(values))
    if not wanted:
        return set()
    cur.execute(f"SELECT {column} FROM {table} WHERE {column} = ANY(%s)", (wanted,))
    return {row[0] for row in cur.fetchall()}


def existing_locations(cur: Cursor, places: Iterable[tuple[str, str]]) -> set[tuple[str, str]]:
    """Which of the (site, code) locations exist."""
    wanted = sorted(places)
    if not wanted:
        return set()
    cur.execute(
        "SELECT site_id, code FROM locations WHERE (site_id, code) IN "
        "(SELECT * FROM unnest(%s::text[], %s::text[]))",
        ([s for s, _ in wanted], [c for _, c in wanted]),
    )
    return {(str(s), str(c)) for s, c in cur.fetchall()}


def ensure_sites(cur: Cursor, sites: Iterable[str]) -> None:
    """Create the sites that do not exist yet."""
    rows = sorted({(s,) for s in sites})
    if rows:
        execute_values(cur, "INSERT INTO sites (id) VALUES %s ON CONFLICT (id) DO NOTHING", rows)


def upsert_batches(
    cur: Cursor, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> dict[tuple[str, str], int]:
    """Upsert batches as verified imports (a scanned-first batch becomes verified); ids by key."""
    if not rows:
        return {}
    names = [*columns, "verified", "source"]
    updates = [f"{c} = excluded.{c}" for c in columns if c not in ("gtin", "lot")]
    updates += ["verified = true", "source = 'import'", "updated_at = now()"]
    found = execute_values(
        cur,
        f"INSERT INTO batches AS t ({', '.join(names)}) VALUES %s "
        f"ON CONFLICT (gtin, lot) DO UPDATE SET {', '.join(updates)} RETURNING gtin, lot, id",
        [(*r, True, "import") for r in rows],
        fetch=True,
    )
    return {(gtin, lot): int(i) for gtin, lot, i in found}


def batch_ids(cur: Cursor, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], int]:
    """The ids of the batches (gtin, lot) that exist."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = execute_values(
        cur,
        "SELECT b.gtin, b.lot, b.id FROM batches b JOIN (VALUES %s) AS v (gtin, lot) "
        "ON b.gtin = v.gtin AND b.lot = v.lot",
        wanted,
        fetch=True,
    )
    return {(gtin, lot): int(i) for gtin, lot, i in found}


def replace_inputs(cur: Cursor, links: Mapping[int, Sequence[int]]) -> None:
    """Set what each batch was made from (master data replaces earlier imported inputs)."""
    if not links:
        return
    cur.execute(
        "DELETE FROM batch_inputs WHERE source = 'import' AND batch_id = ANY(%s)",
        (sorted(links),),
    )
    rows = sorted({(b, i) for b, inputs in links.items() for i in inputs})
    if rows:
        execute_values(
            cur,
            "INSERT INTO batch_inputs (batch_id, input_batch_id) VALUES %s ON CONFLICT DO NOTHING",
            rows,
        )


def commission(cur: Cursor, rows: Sequence[tuple[str, str, int, Any]]) -> None:
    """Commission serials (gtin, serial, batch id, at) and mark their products serialised."""
    if not rows:
        return
    execute_values(
        cur,
        "INSERT INTO commissioned_items AS t (gtin, serial, batch_id, commissioned_at) "
        "VALUES %s ON CONFLICT (gtin, serial) DO UPDATE SET batch_id = excluded.batch_id, "
        "commissioned_at = excluded.commissioned_at",
        list(rows),
        template="(%s, %s, %s, coalesce(%s::timestamptz, now()))",
    )
    cur.execute(
        "UPDATE products SET serialised = true, updated_at = now() "
        "WHERE gtin = ANY(%s) AND NOT serialised",
        (sorted({r[0] for r in rows}),),
    )


def batch_owners(
    cur: Cursor, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], tuple[str | None, set[str]]]:
    """(producing site, sites it stayed at) of the batches (gtin, lot) that exist."""
    wanted = sorted(set(keys))
    if not wanted:
        return {}
    found = execute_values(
        cur,
        "SELECT b.gtin, b.lot, b.site_id, coalesce(array_agg(DISTINCT p.site_id) "
        " FILTER (WHERE p.site_id IS NOT NULL), '{}') FROM batches b "
        "JOIN (VALUES %s) AS v (gtin, lot) ON b.gtin = v.gtin AND b.lot = v.lot "
        "LEFT JOIN batch_presence p ON p.batch_id = b.id GROUP BY b.id",
        wanted,
        fetch=True,
    )
    return {(gtin, lot): (site, set(seen)) for gtin, lot, site, seen in found}


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
    return fetch_dict(cur)


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
