"""`txng users add` and `txng tokens create`: API users and their tokens (hashed at rest)."""

import getpass
import sys
from datetime import UTC, datetime, timedelta

from cloud.auth.secrets import hash_password, new_token, token_hash
from cloud.db import auth_store
from cloud.db.errors import DatabaseUnavailable, DataRejected
from cloud.db.pool import Database
from cloud.settings.common import required_database_url


def create_user(
    database: Database,
    *,
    username: str,
    role: str,
    site: str | None,
    password: str | None,
    display_name: str | None = None,
) -> int:
    """Create (or update) a user; the password is stored as a scrypt hash."""
    if role not in auth_store.ROLES:
        raise ValueError(f"role must be one of {', '.join(auth_store.ROLES)}")
    if (role == "operator") != (site is not None):
        raise ValueError("an operator needs --site; other roles see every site")
    with database.transaction() as conn, conn.cursor() as cur:
        return auth_store.add_user(
            cur,
            username=username,
            role=role,
            site_id=site,
            password_hash=hash_password(password) if password else None,
            display_name=display_name,
        )


def create_token(database: Database, *, username: str, name: str, days: float | None = None) -> str:
    """A new API token for `username`; returned once, stored as its sha256."""
    token = new_token()
    expires = datetime.now(UTC) + timedelta(days=days) if days else None
    with database.transaction() as conn, conn.cursor() as cur:
        user_id = auth_store.user_id_by_name(cur, username=username)
        if user_id is None:
            raise LookupError(f"no user {username!r}")
        auth_store.add_token(
            cur, user_id=user_id, name=name, token_hash=token_hash(token), expires_at=expires
        )
    return token


def users_add_command(
    *, username: str, role: str, site: str | None, password_stdin: bool, database_url: str | None
) -> int:
    """Add a user; the password comes from a prompt, or from stdin with --password-stdin."""
    database = Database(required_database_url(database_url), max_connections=1)
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass(f"password for {username}: ")
    else:
        password = ""
    try:
        create_user(database, username=username, role=role, site=site, password=password or None)
    except (ValueError, DatabaseUnavailable, DataRejected) as err:
        print(f"txng users add: {err}", file=sys.stderr)
        return 1
    finally:
        database.close()
    print(f"user {username} ({role}{', site ' + site if site else ''}) saved")
    return 0


def tokens_create_command(
    *, username: str, name: str, days: float | None, database_url: str | None
) -> int:
    """Create an API token and print it once."""
    database = Database(required_database_url(database_url), max_connections=1)
    try:
        token = create_token(database, username=username, name=name, days=days)
    except (LookupError, DatabaseUnavailable, DataRejected) as err:
        print(f"txng tokens create: {err}", file=sys.stderr)
        return 1
    finally:
        database.close()
    print(token)
    return 0
