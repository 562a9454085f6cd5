"""The one place the timeline gets conditions (stays, summaries, series) from the cold chain.

These come from the cold-chain module's readings query (cloud/db/readings_query.py), so that a
timeline and the cold-chain evaluation agree on which readings belong to a batch.
"""

from psycopg2.extensions import cursor as Cursor

from cloud.db.readings_query import (
    SeriesPoint,
    StaySummary,
    batch_conditions,
    batch_conditions_json,
)

__all__ = ["SeriesPoint", "StaySummary", "summaries_and_series", "summaries_and_series_json"]


def summaries_and_series(
    cur: Cursor, batch_id: int, points: int, site: str | None = None
) -> tuple[list[StaySummary], list[SeriesPoint]]:
    """Each stay with its temperature summary, and the series in at most `points` buckets."""
    return batch_conditions(cur, batch_id, points=points, site=site)


def summaries_and_series_json(
    cur: Cursor, batch_id: int, points: int, site: str | None = None
) -> tuple[list[StaySummary], str]:
    """Summaries and series, the series as the API's JSON array text (of `site`'s stays)."""
    return batch_conditions_json(cur, batch_id, points=points, site=site)
