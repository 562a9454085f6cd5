"""The one place the timeline gets conditions (stays, summaries, series) from the cold chain.

These come from the cold-chain module's readings query (cloud/db/readings_query.py), so that a
timeline and the cold-chain evaluation agree on which readings belong to a batch.
"""

from psycopg2.extensions import cursor as Cursor

from cloud.db.readings_query import SeriesPoint, StaySummary, batch_series, stay_summaries

__all__ = ["SeriesPoint", "StaySummary", "series", "summaries"]


def summaries(cur: Cursor, batch_id: int) -> list[StaySummary]:
    """Each stay of the batch with its temperature summary (min, max, mean, MKT, out of range)."""
    return stay_summaries(cur, batch_id)


def series(cur: Cursor, batch_id: int, points: int) -> list[SeriesPoint]:
    """The batch's temperature over its life, downsampled to at most `points` buckets."""
    return batch_series(cur, batch_id, points=points)
