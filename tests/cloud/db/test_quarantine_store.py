"""Quarantine tables keep the columns of the tables they hold rows for."""

import pytest

from tests.support.sql import query

COLUMNS = (
    "SELECT column_name, data_type, is_nullable FROM information_schema.columns "
    "WHERE table_schema = 'public' AND table_name = %s AND column_name <> 'rejected_at' "
    "ORDER BY ordinal_position"
)


@pytest.mark.parametrize("table", ["events", "readings"])
def test_held_items_have_the_columns_of_stored_ones(database_url: str, table: str) -> None:
    held = query(database_url, COLUMNS, (f"quarantine_{table}",))
    stored = query(database_url, COLUMNS, (table,))
    assert held and held == stored  # a migration that changes `table` changes its quarantine too
