"""`txng labels`: files written from the database's batch; bad data allocates nothing."""

import pytest
from pypdf import PdfReader

from tests.support.sql import query, scalar
from txng.cli import main

GTIN = "08936012345018"


@pytest.fixture
def batches(database_url):
    query(database_url, "INSERT INTO products (gtin, name) VALUES (%s, 'Long nhãn sấy') "
                        "RETURNING 1", (GTIN,))
    query(database_url, "INSERT INTO batches (gtin, lot, expiry_date, verified) VALUES "
                        "(%s, 'LN-1', '2027-08-01', true), (%s, 'LN#2', NULL, true) RETURNING 1",
          (GTIN, GTIN))
    return database_url


def run(url, *argv):
    return main(["labels", *argv, "--database-url", url])


def test_serialised_labels_commission_serials_and_a_reprint_allocates_none(batches, tmp_path):
    sheet = tmp_path / "labels.pdf"
    base = ["--base-url", "https://t.example.vn"]
    assert run(batches, "batch", GTIN, "LN-1", "--serials", "30", "--out", str(sheet), *base) == 0
    assert len(PdfReader(sheet).pages) == 2  # 21 per sheet by default
    assert scalar(batches, "SELECT count(*) FROM commissioned_items") == 30
    job = scalar(batches, "SELECT id FROM label_jobs")
    printer = tmp_path / "labels.zpl"
    assert run(batches, "reprint", str(job), "--out", str(printer), *base) == 0
    assert printer.read_text().count("^XA") == 30
    assert scalar(batches, "SELECT count(*) FROM commissioned_items") == 30


def test_a_batch_that_would_print_an_invalid_label_fails_naming_the_field(
    batches, tmp_path, capfd
):
    out = tmp_path / "x.pdf"
    code = run(batches, "batch", GTIN, "LN#2", "--serials", "5", "--out", str(out),
               "--base-url", "https://t.example.vn")
    assert code == 1 and not out.exists()
    assert "lot: 'LN#2' has characters GS1 does not allow here: '#'" in capfd.readouterr().err
    assert scalar(batches, "SELECT count(*) FROM commissioned_items") == 0


def test_an_sscc_label_as_svg_and_a_missing_base_url(batches, tmp_path, monkeypatch):
    out = tmp_path / "pallet.zpl"
    assert run(batches, "sscc", "089360123450000018", "--gtin", GTIN, "--lot", "LN-1",
               "--count", "120", "--out", str(out), "--layout", "100x150") == 0
    assert out.read_text().count("^GFA") == 2
    monkeypatch.delenv("TXNG_API_PUBLIC_BASE_URL", raising=False)
    assert run(batches, "batch", GTIN, "LN-1", "--out", str(tmp_path / "a.svg")) == 2
