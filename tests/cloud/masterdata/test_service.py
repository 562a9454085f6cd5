"""The import use case the API and the CLI share: bytes checked, rows scoped to a site, upserted."""

import pytest

from cloud.db.pool import Database
from cloud.masterdata.service import NotCsvText, import_upload
from cloud.masterdata.site_scope import ForeignRows
from tests.support.seed import add_product, add_site
from tests.support.sql import scalar

BATCHES = "gtin,lot,site_id,production_date\n{gtin},{lot},{site},2026-08-01\n"


@pytest.fixture
def database(database_url: str):
    db = Database(database_url, max_connections=1)
    yield db
    db.close()


def test_an_operator_imports_its_own_batches_and_no_one_elses(database, database_url):
    add_site(database_url, "farm-a")
    add_site(database_url, "farm-b")
    gtin = add_product(database_url, "08936012345018")
    mine = BATCHES.format(gtin=gtin, lot="L1", site="farm-a").encode()
    with database.transaction() as conn, conn.cursor() as cur:
        assert import_upload(cur, "batches", mine, site="farm-a") == 1
    theirs = BATCHES.format(gtin=gtin, lot="L2", site="farm-b").encode()
    with (
        pytest.raises(ForeignRows) as refused,
        database.transaction() as conn,
        conn.cursor() as cur,
    ):
        import_upload(cur, "batches", theirs, site="farm-a")
    assert [(p.line, p.field) for p in refused.value.problems] == [(2, "site_id")]
    assert scalar(database_url, "SELECT string_agg(lot, ',') FROM batches") == "L1"


@pytest.mark.parametrize(
    ("body", "reason"),
    [(b"gtin,name\n\x00", "NUL byte"), (b"gtin,name\n\xff\xfe,x\n", "not a UTF-8 CSV file")],
)
def test_bytes_that_are_not_csv_text_are_refused_before_any_row(database, body, reason):
    with (
        database.transaction() as conn,
        conn.cursor() as cur,
        pytest.raises(NotCsvText, match=reason),
    ):
        import_upload(cur, "products", body)
