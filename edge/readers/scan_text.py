"""Turn one decoded code (text, optional AIM identifier) into a scan event."""

import logging
from collections import Counter

from contract import BizStep, ScanEvent
from edge.readers.base import ReaderContext
from edge.readers.gs1 import gs1_identifiers
from edge.readers.protocols.aim import split_aim

logger = logging.getLogger(__name__)

MAX_RAW = 4096


def code_scan(
    context: ReaderContext,
    *,
    reader: str,
    location: str,
    biz_step: BizStep,
    text: str,
    symbology: str | None,
    counters: Counter[str],
) -> ScanEvent | None:
    """A scan of `text`; GS1 identifiers when it is GS1, else raw and flagged (gs1=None)."""
    prefix, data = split_aim(text)
    symbology = symbology or prefix
    data = data.replace("\x00", "")
    if not data.strip():
        counters["empty"] += 1
        return None
    if len(data) > MAX_RAW:
        counters["too_long"] += 1
        logger.warning("%s: dropped a %d-character code (limit %d)", reader, len(data), MAX_RAW)
        return None
    gs1 = gs1_identifiers(f"{symbology}{data}" if symbology else data)
    counters["scans"] += 1
    if gs1 is None:
        counters["not_gs1"] += 1
    return context.scan(
        reader=reader, location=location, biz_step=biz_step, raw=data,
        symbology=symbology, gs1=gs1,
    )
