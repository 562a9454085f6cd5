"""Advisory locks by name, held until the transaction ends: one worker at a time per subject."""

from psycopg2.extensions import cursor as Cursor


def lock(cur: Cursor, subject: str) -> None:
    """Wait for the subject's lock and hold it for this transaction."""
    cur.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", (subject,))


def try_lock(cur: Cursor, subject: str) -> bool:
    """Take the subject's lock for this transaction if no one holds it; say whether we got it."""
    cur.execute("SELECT pg_try_advisory_xact_lock(hashtextextended(%s, 0))", (subject,))
    row = cur.fetchone()
    return bool(row and row[0])
