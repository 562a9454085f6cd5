"""`txng recall`: the listing, the recall notice's CSV, and what bad or unknown codes get."""

import csv

from tests.cloud.trace.story_world import (
    DISTRIBUTOR,
    DRIED,
    FRESH,
    FRESH_LOT,
    PALLET,
    SERIALS,
    SHOP,
)
from txng.cli import main


def test_recall_from_a_batch_lists_and_writes_the_csv(world, tmp_path, capsys):
    path = tmp_path / "recall.csv"
    code = main(
        ["recall", "batch", FRESH[1:], FRESH_LOT, "--csv", str(path), "--database-url", world.url]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0] == "recall from batch: scope all"
    assert f"unit\tforward\t{PALLET}" in out
    with path.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [(r["record"], r["lot"], r["direction"]) for r in rows if r["record"] == "batch"] == [
        ("batch", FRESH_LOT, "start"),
        ("batch", "LN2026-08-01", "forward"),
    ]
    assert [(r["site"], r["to_site"]) for r in rows if r["record"] == "shipment"] == [
        ("hy-longan", DISTRIBUTOR),
        (DISTRIBUTOR, SHOP),
    ]
    assert {r["site_name"] for r in rows if r["record"] == "receiver"} == {
        "Công ty Phân phối Nông sản Long Biên (example)",
        "Cửa hàng OCOP Hà Nội (example)",
    }


def test_recall_from_a_serial_as_csv_on_stdout_seen_from_the_shop(world, capsys):
    code = main(
        [
            "recall",
            "serial",
            DRIED,
            SERIALS[0],
            "--site",
            SHOP,
            "--csv",
            "-",
            "--database-url",
            world.url,
        ]
    )
    assert code == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert {r["site"] for r in rows if r["record"] == "place"} == {SHOP}
    assert [(r["site"], r["location"]) for r in rows if r["record"] == "shipment"] == [
        (DISTRIBUTOR, "")
    ]


def test_bad_and_unknown_codes(world, capsys):
    assert main(["recall", "sscc", "12345", "--database-url", world.url]) == 2
    assert "18 digits" in capsys.readouterr().err
    assert main(["recall", "batch", FRESH, "--database-url", world.url]) == 2
    assert main(["recall", "sscc", "0" * 18, "--database-url", world.url]) == 1
