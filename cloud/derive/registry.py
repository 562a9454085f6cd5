"""Every kind of derived work and the function that does it: adding a kind is one entry."""

from collections.abc import Callable

from psycopg2.extensions import cursor as Cursor

from cloud.batches import handlers as batches
from cloud.coldchain import handlers as coldchain
from cloud.db.work_queue import Work
from cloud.trace import chain, integrity, kinds

Handler = Callable[[Cursor, Work], None]

HANDLERS: dict[str, Handler] = {
    batches.BATCH: batches.handle_batch,
    batches.ITEM: batches.handle_item,
    batches.UNIT: batches.handle_unit,
    batches.PACKING_READER: batches.handle_packing_reader,
    batches.BATCH_STEPS: batches.handle_steps,
    batches.COLD_CHAIN_BATCH: coldchain.handle_batch,
    coldchain.COLD_CHAIN_LOCATION: coldchain.handle_location,
    kinds.EVENT_CHAIN: chain.handle_chain,
    kinds.INTEGRITY_CODE: integrity.handle_code,
    kinds.INTEGRITY_BATCH: integrity.handle_batch,
}
