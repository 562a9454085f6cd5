"""SQL of users, API tokens, browser sessions and device credentials (hashes only)."""

from dataclasses import dataclass
from datetime import datetime, timedelta

from psycopg2.extensions import cursor as Cursor

from cloud.db import prepared

ROLES = ("admin", "operator", "inspector")


@dataclass(frozen=True)
class UserRow:
    """Who is asking: id, name, role and (for operators) the one site they may see."""

    id: int
    username: str
    role: str
    site_id: str | None
    display_name: str | None


_USER_COLUMNS = "u.id, u.username, u.role, u.site_id, u.display_name"


def add_user(
    cur: Cursor,
    *,
    username: str,
    role: str,
    site_id: str | None,
    password_hash: str | None,
    display_name: str | None = None,
) -> int:
    """Create or update a user (by username); an operator's site is created if missing."""
    if site_id is not None:
        cur.execute("INSERT INTO sites (id) VALUES (%s) ON CONFLICT DO NOTHING", (site_id,))
    cur.execute(
        "INSERT INTO users (username, role, site_id, password_hash, display_name) "
        "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (username) DO UPDATE SET role = EXCLUDED.role, "
        "site_id = EXCLUDED.site_id, display_name = EXCLUDED.display_name, "
        "password_hash = COALESCE(EXCLUDED.password_hash, users.password_hash), disabled = false "
        "RETURNING id",
        (username, role, site_id, password_hash, display_name),
    )
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


def user_for_login(cur: Cursor, *, username: str) -> tuple[UserRow, str | None] | None:
    """An enabled user and their password hash, by username."""
    cur.execute(
        f"SELECT {_USER_COLUMNS}, u.password_hash FROM users u "
        "WHERE u.username = %s AND NOT u.disabled",
        (username,),
    )
    row = cur.fetchone()
    return (UserRow(*row[:5]), row[5]) if row else None


def user_id_by_name(cur: Cursor, *, username: str) -> int | None:
    """The id of a user, by username."""
    cur.execute("SELECT id FROM users WHERE username = %s", (username,))
    row = cur.fetchone()
    return int(row[0]) if row else None


def add_token(
    cur: Cursor, *, user_id: int, name: str, token_hash: bytes, expires_at: datetime | None
) -> int:
    """Store a new API token's hash."""
    cur.execute(
        "INSERT INTO api_tokens (user_id, name, token_hash, expires_at) "
        "VALUES (%s, %s, %s, %s) RETURNING id",
        (user_id, name, token_hash, expires_at),
    )
    row = cur.fetchone()
    assert row is not None
    return int(row[0])


_USER_BY_TOKEN = prepared.statement(
    "txng_user_by_token",
    f"WITH live AS (SELECT t.id AS token_id, t.last_used_at, {_USER_COLUMNS} "
    " FROM api_tokens t JOIN users u ON u.id = t.user_id WHERE t.token_hash = %(hash)s::bytea "
    " AND NOT u.disabled AND t.revoked_at IS NULL "
    " AND (t.expires_at IS NULL OR t.expires_at > now())), "
    "touched AS (UPDATE api_tokens SET last_used_at = now() WHERE id IN ("
    " SELECT t.id FROM api_tokens t JOIN live ON t.id = live.token_id "
    " WHERE live.last_used_at IS NULL OR live.last_used_at < now() - INTERVAL '1 minute' "
    " FOR UPDATE OF t SKIP LOCKED)) "
    "SELECT id, username, role, site_id, display_name FROM live",
)


def user_by_token(cur: Cursor, *, token_hash: bytes) -> UserRow | None:
    """The enabled user owning a live (not revoked, not expired) token.

    The token's last use is recorded to the minute, without waiting: a request holds the
    row's lock until it ends, so locking it on every request would queue all the requests
    of one token (an integration's, a dashboard's) behind one another.
    """
    prepared.execute(cur, _USER_BY_TOKEN, {"hash": token_hash})
    row = cur.fetchone()
    return UserRow(*row) if row else None


def add_session(cur: Cursor, *, user_id: int, token_hash: bytes, lifetime: timedelta) -> None:
    """Store a new browser session's hash; expired sessions are swept at the same time."""
    cur.execute("DELETE FROM sessions WHERE expires_at < now()")
    cur.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (%s, %s, now() + %s)",
        (token_hash, user_id, lifetime),
    )


def user_by_session(cur: Cursor, *, token_hash: bytes) -> UserRow | None:
    """The enabled user of a live browser session."""
    cur.execute(
        f"SELECT {_USER_COLUMNS} FROM sessions s JOIN users u ON u.id = s.user_id "
        "WHERE s.token_hash = %s AND s.expires_at > now() AND NOT u.disabled",
        (token_hash,),
    )
    row = cur.fetchone()
    return UserRow(*row) if row else None


def end_session(cur: Cursor, *, token_hash: bytes) -> None:
    """Forget a browser session (log out)."""
    cur.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))


def set_device_secret(
    cur: Cursor, *, site_id: str, device_id: str, secret_hash: str, actor: str
) -> datetime:
    """Replace a device's secret hash; return when it was rotated."""
    cur.execute(
        "INSERT INTO device_credentials (site_id, device_id, secret_hash, rotated_by) "
        "VALUES (%s, %s, %s, %s) ON CONFLICT (site_id, device_id) DO UPDATE SET "
        "secret_hash = EXCLUDED.secret_hash, rotated_at = now(), rotated_by = EXCLUDED.rotated_by "
        "RETURNING rotated_at",
        (site_id, device_id, secret_hash, actor),
    )
    row = cur.fetchone()
    assert row is not None
    rotated: datetime = row[0]
    return rotated


def recent_login_failures(
    cur: Cursor, *, username: str, address: str, window_s: float
) -> tuple[int, int]:
    """Failed logins within the last `window_s` seconds: of this account name, from this address."""
    cur.execute(
        "SELECT count(*) FILTER (WHERE username = %(u)s), count(*) FILTER (WHERE address = %(a)s) "
        "FROM login_failures WHERE failed_at > now() - make_interval(secs => %(w)s) "
        "AND (username = %(u)s OR address = %(a)s)",
        {"u": username, "a": address, "w": window_s},
    )
    row = cur.fetchone()
    assert row is not None
    return int(row[0]), int(row[1])


def add_login_failure(cur: Cursor, *, username: str, address: str, keep_s: float) -> None:
    """Record a failed login (and forget those older than `keep_s` seconds)."""
    cur.execute(
        "DELETE FROM login_failures WHERE failed_at < now() - make_interval(secs => %s)",
        (keep_s,),
    )
    cur.execute(
        "INSERT INTO login_failures (username, address) VALUES (%s, %s)", (username, address)
    )


def clear_login_failures(cur: Cursor, *, username: str) -> None:
    """Forget an account's failed logins (it just logged in)."""
    cur.execute("DELETE FROM login_failures WHERE username = %s", (username,))
