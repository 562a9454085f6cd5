"""Master data from CSV: the shipped examples import, errors name file, line and field."""

from pathlib import Path

import pytest

from cloud.db.pool import Database
from cloud.db.presence_store import ensure_batch
from cloud.masterdata.csv_import import CsvImportError
from cloud.masterdata.service import import_file
from tests.support.sql import query, scalar
from txng.cli import main

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "master_data"
ORDER = (
    "profiles",
    "groups",
    "products",
    "sites",
    "locations",
    "batches",
    "items",
    "certificates",
    "photos",
    "sensors",
)


@pytest.fixture
def database(database_url: str):
    db = Database(database_url, max_connections=1)
    yield db
    db.close()


def _import_examples(database: Database) -> None:
    for kind in ORDER:
        import_file(database, kind, EXAMPLES / f"{kind}.csv")


def test_examples_import_and_reimport_is_an_upsert(database, database_url):
    with database.transaction() as conn, conn.cursor() as cur:
        scanned_first = ensure_batch(cur, "08936012345018", "LN2026-08-01")
    _import_examples(database)
    _import_examples(database)
    assert scalar(database_url, "SELECT count(*) FROM products") == 3
    honey = query(
        database_url,
        "SELECT name, ocop_stars, profile_id, serialised FROM products WHERE gtin = %s",
        ("08936012345025",),
    )[0]
    assert honey[1:] == (3, "honey-ambient", True)
    batch = query(
        database_url,
        "SELECT id, verified, source, expiry_date::text, origin_code FROM batches WHERE lot = %s",
        ("LN2026-08-01",),
    )[0]
    assert batch == (scanned_first, True, "import", "2027-08-01", "HY-VT-0042")
    inputs = query(
        database_url,
        "SELECT i.lot FROM batch_inputs x JOIN batches i ON i.id = x.input_batch_id "
        "WHERE x.batch_id = %s",
        (scanned_first,),
    )
    assert inputs == [("NL2026-07-A",)]
    assert scalar(database_url, "SELECT count(*) FROM commissioned_items") == 99
    certificates = query(
        database_url, "SELECT id, gtin, location FROM certificates ORDER BY id"
    )
    assert certificates == [
        ("ocop-long-nhan", "08936012345018", None),
        ("ocop-mat-ong", "08936012345025", None),
        ("vietgap-hy-vt-0042", None, "orchard-a"),
    ]
    photos = query(database_url, "SELECT location, biz_step FROM step_photos ORDER BY id")
    assert photos == [
        ("orchard-a", "commissioning"),
        ("drying-1", "commissioning"),
        ("packing-line-1", "packing"),
    ]
    plot = query(database_url, "SELECT area_code FROM locations WHERE kind = 'farm_plot'")
    assert plot == [("HY-VT-0042",)]
    sites = query(database_url, "SELECT id, name IS NOT NULL, gln FROM sites ORDER BY id")
    assert sites == [
        ("hn-distributor", True, "8936012349061"),
        ("hn-shop", True, "8936012349047"),
        ("hy-longan", True, "8936012349009"),
    ]
    coords = query(
        database_url,
        "SELECT kind, latitude, longitude FROM locations WHERE code = 'cold-room-1'",
    )
    assert coords == [("cold_room", 20.6462, 106.0511)]
    probe = query(
        database_url,
        "SELECT calibration_ref, calibrated_on::text, calibration_due::text FROM sensors "
        "WHERE site_id = 'hy-longan' AND device_id = 'cold-room-1' AND sensor = 'room-probe-1'",
    )
    assert probe == [("HC-2026/0142 (example certificate)", "2026-01-10", "2027-01-10")]


def test_the_command_line_imports_and_reports(database_url, tmp_path, capsys):
    assert (
        main(["profiles", "import", str(EXAMPLES / "profiles.csv"), "--database-url", database_url])
        == 0
    )
    bad = tmp_path / "bad_profiles.csv"
    bad.write_text("id,name,min_value\ncold,Cold,abc\n")
    assert main(["profiles", "import", str(bad), "--database-url", database_url]) == 1
    assert f"{bad}:2: min_value:" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("kind", "text", "line", "field"),
    [
        ("products", "gtin,name\n8936012345001,Longan\n8936012345002,Bad\n", 3, "gtin"),
        ("products", "gtin,name,ocop_stars\n8936012345001,Longan,6\n", 2, "ocop_stars"),
        ("products", "gtin,name,profile_id\n8936012345001,Longan,nope\n", 2, "profile_id"),
        ("products", "gtin,name,colour\n8936012345001,Longan,red\n", 1, "colour"),
        ("products", "name\nLongan\n", 1, "gtin"),
        ("batches", "gtin,lot,expiry_date\n8936012345001,L1,2026-13-01\n", 2, "expiry_date"),
        ("batches", "gtin,lot\n8936012345001,L1\n8936012345001,L1\n", 3, "lot"),
        ("batches", "gtin,lot,inputs\n8936012345001,L1,8936012345018/NOPE\n", 2, "inputs"),
        ("batches", "gtin,lot,inputs\n8936012345001,L1,8936012345018\n", 2, "inputs"),
        ("items", "gtin,serial,lot\n8936012345025,S1,NO-SUCH-LOT\n", 2, "lot"),
        ("locations", "site,code,kind\nhy,room,fridge\n", 2, "kind"),
        ("locations", "site,code,kind,latitude\nhy,room,cold_room,95\n", 2, "latitude"),
        ("locations", "site,code,kind,gln\nhy,room,cold_room,8936012349008\n", 2, "gln"),
        ("profiles", "id,name,hysteresis\ncold,Cold,-1\n", 2, "hysteresis"),
        ("groups", "id,name,profile_id\nfruit,Fruit,missing\n", 2, "profile_id"),
        ("sensors", "site,device,sensor,calibrated_on\nhy,pi,p1,10/01/2026\n", 2, "calibrated_on"),
    ],
)
def test_each_error_names_file_line_and_field(database, tmp_path, kind, text, line, field):
    path = tmp_path / f"{kind}.csv"
    path.write_text(text)
    with pytest.raises(CsvImportError) as caught:
        import_file(database, kind, path)
    problem = caught.value.problems[0]
    assert (problem.file, problem.line, problem.field) == (str(path), line, field)
    assert str(problem).startswith(f"{path}:{line}: {field}: ")
