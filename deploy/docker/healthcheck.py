#!/opt/txng/bin/python
"""Container health checks: `ready URL` (2xx), `http URL` (below 500) or `postgres`.

`postgres` asks whether TXNG_DATABASE_URL accepts a query. `ready` is for the processes'
`/healthz`, which answers 503 while a supervised worker is dead or stuck: a refused,
timed-out, 4xx or 5xx answer is unhealthy.
"""

import os
import sys
import urllib.error
import urllib.request


def http_ok(url: str) -> bool:
    """Whether the server at `url` answers below 500 within 3 s."""
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return int(answer.status) < 500
    except urllib.error.HTTPError as err:
        return err.code < 500
    except OSError:
        return False


def ready(url: str) -> bool:
    """Whether the server at `url` answers 2xx within 3 s."""
    try:
        with urllib.request.urlopen(url, timeout=3) as answer:
            return 200 <= int(answer.status) < 300
    except (urllib.error.HTTPError, OSError):
        return False


def postgres_ok() -> bool:
    """Whether TXNG_DATABASE_URL accepts a connection and a query."""
    import psycopg2

    try:
        conn = psycopg2.connect(os.environ["TXNG_DATABASE_URL"], connect_timeout=3)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT 1")
        finally:
            conn.close()
        return True
    except (KeyError, psycopg2.Error):
        return False


def main(argv: list[str]) -> int:
    """Exit 0 when healthy, 1 when not, 2 on bad usage."""
    if len(argv) == 2 and argv[0] == "ready":
        return 0 if ready(argv[1]) else 1
    if len(argv) == 2 and argv[0] == "http":
        return 0 if http_ok(argv[1]) else 1
    if argv == ["postgres"]:
        return 0 if postgres_ok() else 1
    sys.stderr.write("usage: txng-healthcheck ready URL | http URL | postgres\n")
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
