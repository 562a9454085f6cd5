"""One importer per master-data kind: its row model and how its rows are written."""

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from psycopg2.extensions import cursor as Cursor

from cloud.db import masterdata_store as store
from cloud.db.work_queue import enqueue
from cloud.masterdata.csv_import import CsvImportError, ParsedFile, RowProblem
from cloud.masterdata.rows import (
    BatchRow,
    CertificateRow,
    GroupRow,
    ItemRow,
    LocationRow,
    PhotoRow,
    ProductRow,
    ProfileRow,
    Row,
    SensorRow,
    SiteRow,
)
from cloud.trace.integrity import INTEGRITY_BATCH, BatchKey

Apply = Callable[[Cursor, ParsedFile[Any]], int]


def _columns(parsed: ParsedFile[Any], keys: Sequence[str], skip: Sequence[str] = ()) -> list[str]:
    return [*keys, *(c for c in parsed.columns if c not in keys and c not in skip)]


def _values(row: Row, columns: Sequence[str]) -> list[Any]:
    return [getattr(row, c) for c in columns]


def _unique(parsed: ParsedFile[Any], keys: Sequence[str]) -> None:
    seen: dict[tuple[Any, ...], int] = {}
    problems = []
    for line, row in parsed.rows:
        key = tuple(getattr(row, k) for k in keys)
        if key in seen:
            problems.append(parsed.problem(line, keys[-1], f"duplicate of line {seen[key]}"))
        seen.setdefault(key, line)
    if problems:
        raise CsvImportError(problems)


def _references(
    cur: Cursor, parsed: ParsedFile[Any], field: str, table: str, column: str = "id"
) -> None:
    wanted = {getattr(r, field) for _, r in parsed.rows if getattr(r, field) is not None}
    missing = wanted - store.existing(cur, table, column, wanted)
    problems = [
        parsed.problem(line, field, f"no {table} {getattr(row, field)!r}; import it first")
        for line, row in parsed.rows
        if getattr(row, field) in missing
    ]
    if problems:
        raise CsvImportError(problems)


def _simple(table: str, keys: Sequence[str], refs: Sequence[tuple[str, str]] = ()) -> Apply:
    def apply(cur: Cursor, parsed: ParsedFile[Any]) -> int:
        _unique(parsed, keys)
        for field, ref_table in refs:
            if field in parsed.columns:
                _references(cur, parsed, field, ref_table)
        columns = _columns(parsed, keys)
        also = "updated_at = now()" if table == "products" else ""
        rows = [_values(r, columns) for _, r in parsed.rows]
        store.upsert(cur, table, keys=keys, columns=columns, rows=rows, also_set=also)
        return len(rows)

    return apply


def _apply_locations(cur: Cursor, parsed: ParsedFile[LocationRow]) -> int:
    _unique(parsed, ("site", "code"))
    store.ensure_sites(cur, (r.site for _, r in parsed.rows))
    columns = _columns(parsed, ("site", "code"))
    rows = [_values(r, columns) for _, r in parsed.rows]
    db_columns = ["site_id" if c == "site" else c for c in columns]
    store.upsert(cur, "locations", keys=("site_id", "code"), columns=db_columns, rows=rows)
    return len(rows)


def _apply_sensors(cur: Cursor, parsed: ParsedFile[SensorRow]) -> int:
    _unique(parsed, ("site", "device", "sensor"))
    columns = _columns(parsed, ("site", "device", "sensor"))
    rows = [_values(r, columns) for _, r in parsed.rows]
    names = {"site": "site_id", "device": "device_id"}
    db_columns = [names.get(c, c) for c in columns]
    keys = ("site_id", "device_id", "sensor")
    store.upsert(cur, "sensors", keys=keys, columns=db_columns, rows=rows)
    return len(rows)


def _apply_batches(cur: Cursor, parsed: ParsedFile[BatchRow]) -> int:
    _unique(parsed, ("gtin", "lot"))
    columns = _columns(parsed, ("gtin", "lot"), skip=("inputs",))
    ids = store.upsert_batches(cur, columns, [_values(r, columns) for _, r in parsed.rows])
    # An imported expiry date may make earlier scans scans of an expired batch.
    enqueue(cur, [INTEGRITY_BATCH.work(BatchKey(gtin, lot)) for gtin, lot in sorted(ids)])
    if "inputs" in parsed.columns:
        wanted = {key for _, r in parsed.rows for key in r.inputs}
        known = store.batch_ids(cur, wanted)
        problems: list[RowProblem] = []
        links: dict[int, list[int]] = {}
        for line, row in parsed.rows:
            for gtin, lot in row.inputs:
                if (gtin, lot) not in known:
                    problems.append(parsed.problem(line, "inputs", f"no batch {gtin}/{lot}"))
                else:
                    links.setdefault(ids[(row.gtin, row.lot)], []).append(known[(gtin, lot)])
            links.setdefault(ids[(row.gtin, row.lot)], [])
        if problems:
            raise CsvImportError(problems)
        store.replace_inputs(cur, links)
    return len(ids)


def _apply_items(cur: Cursor, parsed: ParsedFile[ItemRow]) -> int:
    _unique(parsed, ("gtin", "serial"))
    known = store.batch_ids(cur, ((r.gtin, r.lot) for _, r in parsed.rows))
    problems = [
        parsed.problem(line, "lot", f"no batch {r.gtin}/{r.lot}; import it first")
        for line, r in parsed.rows
        if (r.gtin, r.lot) not in known
    ]
    if problems:
        raise CsvImportError(problems)
    store.commission(
        cur,
        [(r.gtin, r.serial, known[(r.gtin, r.lot)], r.commissioned_at) for _, r in parsed.rows],
    )
    return len(parsed.rows)


def _sited(
    table: str, keys: Sequence[str], check: Callable[[Cursor, ParsedFile[Any]], None]
) -> Apply:
    """Rows with a `site` column (stored as site_id), checked by `check` first."""

    def apply(cur: Cursor, parsed: ParsedFile[Any]) -> int:
        _unique(parsed, keys)
        check(cur, parsed)
        columns = _columns(parsed, keys)
        rows = [_values(r, columns) for _, r in parsed.rows]
        db = ["site_id" if c == "site" else c for c in columns]
        store.upsert(cur, table, keys=["site_id" if k == "site" else k for k in keys],
                     columns=db, rows=rows)
        return len(rows)

    return apply


def _check_certificates(cur: Cursor, parsed: ParsedFile[CertificateRow]) -> None:
    if "gtin" in parsed.columns:
        _references(cur, parsed, "gtin", "products", "gtin")
    places = {(r.site, r.location) for _, r in parsed.rows if r.site and r.location}
    known = store.existing_locations(cur, places)
    problems = [
        parsed.problem(line, "location", f"no location {r.site}/{r.location}; import it first")
        for line, r in parsed.rows
        if r.location is not None and (r.site, r.location) not in known
    ]
    if problems:
        raise CsvImportError(problems)


def _check_nothing(cur: Cursor, parsed: ParsedFile[Any]) -> None:
    """Photos name batches and places that may be scanned later: nothing to look up."""


@dataclass(frozen=True)
class Importer:
    """A master-data kind: its CSV row model and how a parsed file is written."""

    model: type[Row]
    apply: Apply


IMPORTERS: dict[str, Importer] = {
    "profiles": Importer(ProfileRow, _simple("cold_chain_profiles", ("id",))),
    "groups": Importer(
        GroupRow, _simple("product_groups", ("id",), [("profile_id", "cold_chain_profiles")])
    ),
    "products": Importer(
        ProductRow,
        _simple(
            "products",
            ("gtin",),
            [("profile_id", "cold_chain_profiles"), ("product_group", "product_groups")],
        ),
    ),
    "batches": Importer(BatchRow, _apply_batches),
    "items": Importer(ItemRow, _apply_items),
    "sites": Importer(SiteRow, _simple("sites", ("id",))),
    "locations": Importer(LocationRow, _apply_locations),
    "sensors": Importer(SensorRow, _apply_sensors),
    "certificates": Importer(CertificateRow, _sited("certificates", ("id",), _check_certificates)),
    "photos": Importer(
        PhotoRow,
        _sited(
            "step_photos",
            ("gtin", "lot", "site", "location", "biz_step", "image_url"),
            _check_nothing,
        ),
    ),
}
