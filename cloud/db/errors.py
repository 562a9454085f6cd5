"""Database errors as txng names them, translated from psycopg2 at this boundary."""


class DatabaseError(Exception):
    """Base of txng's database errors."""


class DatabaseUnavailable(DatabaseError):
    """The database cannot be reached or the connection broke; retrying later may succeed."""


class DataRejected(DatabaseError):
    """The database refused the data itself; retrying the same data will fail again."""
