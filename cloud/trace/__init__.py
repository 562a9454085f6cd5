"""Traceability views of the data: integrity signals, hash chain, batch timeline, recall."""
