"""Factories for master data in a test database: one row each, sensible defaults, any column.

Each takes the database URL and the row's key, and keyword arguments for any other column
(they override the defaults); each returns the row's key. Adding a row twice fails, except a
site, which locations and devices add when it is missing. For a whole world of rows see
`tests/cloud/api/seed.py` (built from these).
"""

from typing import Any

from psycopg2 import sql

from tests.support.sql import query


def insert(
    url: str, table: str, returning: str, *, if_missing: bool = False, **columns: Any
) -> Any:
    """INSERT one row of `columns` into `table`; with `if_missing`, a row already there stays."""
    statement = sql.SQL("INSERT INTO {} ({}) VALUES ({}) {} RETURNING {}").format(
        sql.Identifier(table),
        sql.SQL(", ").join(map(sql.Identifier, columns)),
        sql.SQL(", ").join(sql.Placeholder() * len(columns)),
        sql.SQL("ON CONFLICT DO NOTHING" if if_missing else ""),
        sql.Identifier(returning),
    )
    rows = query(url, statement, tuple(columns.values()))
    return rows[0][0] if rows else None


def add_site(url: str, site: str, **columns: Any) -> str:
    """A site (an enterprise's premises), unless it is there already."""
    insert(url, "sites", "id", if_missing=True, id=site, **columns)
    return site


def add_location(url: str, site: str, code: str, kind: str = "cold_room", **columns: Any) -> str:
    """A location of a site (its site is added when missing)."""
    add_site(url, site)
    insert(url, "locations", "code", site_id=site, code=code, kind=kind, **columns)
    return code


def add_profile(url: str, profile: str = "chill", **columns: Any) -> str:
    """A cold-chain profile: 2-8 °C, an alert after a 30-minute excursion."""
    defaults = {"name": profile, "min_value": 2.0, "max_value": 8.0, "single_excursion_s": 1800}
    insert(url, "cold_chain_profiles", "id", id=profile, **{**defaults, **columns})
    return profile


def add_group(url: str, group: str, profile: str | None = None, **columns: Any) -> str:
    """A product group, with the profile its products follow."""
    row = {"id": group, "name": group, "profile_id": profile, **columns}
    insert(url, "product_groups", "id", **row)
    return group


def add_product(url: str, gtin: str, **columns: Any) -> str:
    """A product (named after its GTIN unless `name` is given)."""
    insert(url, "products", "gtin", **{"gtin": gtin, "name": f"Product {gtin}", **columns})
    return gtin


def add_batch(url: str, gtin: str, lot: str, **columns: Any) -> int:
    """A batch (verified unless said otherwise); returns its id."""
    insert(url, "batches", "id", **{"gtin": gtin, "lot": lot, "verified": True, **columns})
    return int(query(url, "SELECT id FROM batches WHERE gtin = %s AND lot = %s", (gtin, lot))[0][0])


def add_device(
    url: str, site: str, device: str, approval: str = "approved", **columns: Any
) -> str:
    """A device of a site (its site is added when missing)."""
    add_site(url, site)
    row = {"site_id": site, "device_id": device, "approval": approval, **columns}
    insert(url, "devices", "device_id", **row)
    return device
