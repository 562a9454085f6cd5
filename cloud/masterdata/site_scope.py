"""Imports stay inside the importing site: an operator's rows never touch another site's data.

Every row names the operator's site; a batch that exists already must be the site's, or a
batch no site has claimed yet (first seen by a scan) that was never seen at another site.
"""

from psycopg2.extensions import cursor as Cursor

from cloud.db import masterdata_store as store
from cloud.masterdata.csv_import import ParsedFile, RowProblem
from cloud.masterdata.rows import BatchRow, Row


class ForeignRows(PermissionError):
    """Rows that would write into another site's data; `problems` names each."""

    def __init__(self, problems: list[RowProblem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def check_rows(cur: Cursor, parsed: ParsedFile[Row], site: str) -> None:
    """Raise ForeignRows unless every row is a batch of `site` that `site` may write."""
    problems = [
        parsed.problem(line, "site_id", f"must be {site!r}")
        for line, row in parsed.rows
        if not isinstance(row, BatchRow) or row.site_id != site
    ]
    keys = [(r.gtin, r.lot) for _, r in parsed.rows if isinstance(r, BatchRow)]
    owners = store.batch_owners(cur, keys)
    for line, row in parsed.rows:
        if not isinstance(row, BatchRow) or (row.gtin, row.lot) not in owners:
            continue
        owner, seen_at = owners[(row.gtin, row.lot)]
        if owner not in (None, site):
            problems.append(
                parsed.problem(line, "lot", f"batch {row.gtin}/{row.lot} is another site's")
            )
        elif owner is None and seen_at - {site}:
            problems.append(
                parsed.problem(line, "lot", f"batch {row.gtin}/{row.lot} was seen at another site")
            )
    if problems:
        raise ForeignRows(problems)
