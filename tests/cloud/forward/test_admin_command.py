"""`txng forward parked|requeue`: what a destination holds back is listed and sent again."""

from cloud.db.forward_store import EVENT, enqueue
from cloud.db.pool import Database
from tests.support.sql import query
from txng.cli import main


def _outbox(database_url: str) -> dict[str, tuple[str, str | None]]:
    rows = query(database_url, "SELECT key, state, missing_field FROM forward_outbox")
    return {key: (state, missing) for key, state, missing in rows}


def test_parked_items_are_listed_and_requeued_by_missing_field(database_url, capsys):
    database = Database(database_url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            cur.execute(
                "INSERT INTO forward_destinations (name, adapter) "
                "VALUES ('national-portal', 'portal')"
            )
            enqueue(cur, kind=EVENT, items=[(key, {}) for key in ("e1", "e2", "e3", "e4")])
            cur.execute(
                "UPDATE forward_outbox SET state = 'parked', missing_field = 'producer_tax_code', "
                "last_error = 'no tax code', attempts = 1 WHERE key IN ('e1', 'e2')"
            )
            cur.execute(
                "UPDATE forward_outbox SET state = 'parked', missing_field = 'gln' WHERE key = 'e3'"
            )
    finally:
        database.close()
    url = ["--database-url", database_url]

    assert main(["forward", "parked", *url]) == 0
    listed = capsys.readouterr().out.splitlines()
    assert listed == [
        "event\te1\tproducer_tax_code\tno tax code",
        "event\te2\tproducer_tax_code\tno tax code",
        "event\te3\tgln\t-",
    ]

    assert main(["forward", "requeue", "--missing", "producer_tax_code", *url]) == 0
    assert _outbox(database_url) == {
        "e1": ("pending", None),
        "e2": ("pending", None),
        "e3": ("parked", "gln"),
        "e4": ("pending", None),
    }
    due = query(database_url, "SELECT count(*) FROM forward_outbox WHERE next_attempt_at <= now()")
    assert due == [(4,)]

    assert main(["forward", "requeue", "--destination", "elsewhere", *url]) == 0
    assert _outbox(database_url)["e3"] == ("parked", "gln")  # another destination's: untouched
    assert main(["forward", "requeue", *url]) == 0
    assert _outbox(database_url)["e3"] == ("pending", None)
