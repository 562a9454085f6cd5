"""A token's last use is recorded to the minute, and never makes one request wait for another."""

from concurrent.futures import ThreadPoolExecutor

import psycopg2

from tests.cloud.api.conftest import auth
from tests.support.sql import query


def test_last_use_is_recorded_once_a_minute(client, world):
    def last_used():
        return query(
            world.url,
            "SELECT t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.user_id "
            "WHERE u.username = 'admin'",
        )[0][0]

    assert client.get("/api/me", headers=auth(world, "admin")).status_code == 200
    first = last_used()
    assert first is not None
    assert client.get("/api/me", headers=auth(world, "admin")).status_code == 200
    assert last_used() == first


def test_a_request_does_not_wait_for_another_holding_the_token_row(client, world):
    holder = psycopg2.connect(world.url)
    try:
        with holder.cursor() as cur, ThreadPoolExecutor(1) as pool:
            # Another request's transaction touches the token right now and holds its row.
            cur.execute("UPDATE api_tokens SET last_used_at = NULL")
            answer = pool.submit(client.get, "/api/me", headers=auth(world, "admin"))
            try:
                assert answer.result(timeout=10).status_code == 200
            finally:
                holder.rollback()  # a request that did wait is let go, to fail, not hang
    finally:
        holder.close()
