"""Serial allocation: concurrent print jobs in separate processes never share or skip a serial."""

import multiprocessing

import pytest

from cloud.db import serials
from cloud.db.pool import Database
from tests.support.sql import query, scalar

GTIN = "08936012345018"


@pytest.fixture
def batch(database_url: str) -> int:
    query(database_url, "INSERT INTO products (gtin, name) VALUES (%s, 'Long nhãn') RETURNING 1",
          (GTIN,))
    return scalar(
        database_url,
        "INSERT INTO batches (gtin, lot, site_id, verified) VALUES (%s, 'L1', 'hy', true) "
        "RETURNING id",
        (GTIN,),
    )


class Abort(Exception):
    pass


def _print_jobs(url: str, batch_id: int, start, jobs: int, size: int, fail_every: int) -> list:
    database = Database(url, max_connections=1)
    got = []
    start.wait()
    try:
        for n in range(jobs):
            try:
                with database.transaction() as conn, conn.cursor() as cur:
                    job = serials.allocate(cur, batch_id=batch_id, gtin=GTIN, count=size,
                                           symbology="qr", created_by="test")
                    if fail_every and n % fail_every == fail_every - 1:
                        raise Abort  # the printer failed before commit: nothing is kept
                got += job.serials
            except Abort:
                pass
    finally:
        database.close()
    return got


def test_concurrent_print_jobs_allocate_each_serial_once_and_leave_no_gap(database_url, batch):
    context = multiprocessing.get_context("spawn")
    workers, jobs, size = 4, 6, 25
    start = context.Manager().Barrier(workers)
    with context.Pool(workers) as pool:
        results = pool.starmap(
            _print_jobs, [(database_url, batch, start, jobs, size, 3)] * workers
        )
    allocated = [int(s) for result in results for s in result]
    kept_jobs = workers * (jobs - jobs // 3)
    assert len(allocated) == len(set(allocated)) == kept_jobs * size
    assert sorted(allocated) == list(range(1, kept_jobs * size + 1))  # no gap, none reused
    assert scalar(database_url, "SELECT count(*) FROM commissioned_items") == len(allocated)
    assert scalar(database_url, "SELECT count(*) FROM label_jobs") == kept_jobs
    assert scalar(database_url, "SELECT serialised FROM products WHERE gtin = %s", (GTIN,))
    assert scalar(database_url, "SELECT next_serial FROM serial_counters") == len(allocated) + 1
    # each job's serials are one run: the counter's lock queued the jobs instead of mixing them
    runs = query(database_url, "SELECT first_serial::int, last_serial::int, count FROM label_jobs")
    assert all(last - first + 1 == count == size for first, last, count in runs)


def test_serials_commissioned_by_other_means_are_skipped_never_reused(database_url, batch):
    query(
        database_url,
        "INSERT INTO commissioned_items (gtin, serial, batch_id) VALUES "
        "(%s, '3', %s), (%s, 'MO-9', %s), (%s, '007', %s) RETURNING 1",
        (GTIN, batch) * 3,
    )
    database = Database(database_url, max_connections=1)
    try:
        with database.transaction() as conn, conn.cursor() as cur:
            first = serials.allocate(cur, batch_id=batch, gtin=GTIN, count=2, symbology="qr",
                                     created_by=None)
        # a CSV file commissions 6 meanwhile: the next job steps over it
        query(database_url, "INSERT INTO commissioned_items (gtin, serial, batch_id) "
                            "VALUES (%s, '6', %s) RETURNING 1", (GTIN, batch))
        with database.transaction() as conn, conn.cursor() as cur:
            second = serials.allocate(cur, batch_id=batch, gtin=GTIN, count=3, symbology="qr",
                                      created_by=None)
            again = serials.job(cur, job_id=second.id, site="hy")
            hidden = serials.job(cur, job_id=second.id, site="other-site")
    finally:
        database.close()
    assert first.serials == ["4", "5"]
    assert second.serials == ["7", "8", "9"]
    assert again is not None and again.serials == second.serials and hidden is None
