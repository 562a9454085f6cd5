"""Every kind of derived work and the function that does it: adding a kind is one entry."""

from collections.abc import Callable

from psycopg2.extensions import cursor as Cursor

from cloud.batches import handlers as batches
from cloud.db.work_queue import Work

Handler = Callable[[Cursor, Work], None]

HANDLERS: dict[str, Handler] = {
    batches.BATCH: batches.handle_batch,
    batches.ITEM: batches.handle_item,
    batches.UNIT: batches.handle_unit,
    batches.PACKING_READER: batches.handle_packing_reader,
}
