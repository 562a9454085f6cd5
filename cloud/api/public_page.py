"""The consumer page's view of a batch, straight from the rows its one statement read.

No story or page models on the page's hot path: the view holds the row's values and the
journey's stages as journey.page_journey makes them; the JSON answer (routers/public.py) keeps
its models. tests/cloud/api/test_public_page.py holds the two to the same page, byte for byte.
"""

from datetime import date
from typing import Any, Literal, NamedTuple

from cloud.db.batch_steps_store import StoryFacts
from cloud.trace.journey import Stage, page_journey
from cloud.trace.story import verdicts_of

ColdChain = Literal["ok", "excursion", "not_monitored"]


def cold_chain_of(row: dict[str, Any]) -> ColdChain:
    """The batch's cold chain: excursion (recorded or alerted on), ok (a range applies), or not."""
    if row["excursions"] or row["excursion_alerts"]:
        return "excursion"
    if row["min_value"] is not None or row["max_value"] is not None:
        return "ok"
    return "not_monitored"


class PageBatch(NamedTuple):
    """What the consumer page (consumer.html) shows of a batch."""

    product_name: str
    lot: str
    trace_code: str
    image_url: str | None
    ocop_stars: int | None
    producer_name: str | None
    producer_address: str | None
    origin_name: str | None
    origin_code: str | None
    site_name: str | None
    production_date: date | None
    pack_date: date | None
    expiry_date: date | None
    net_content: str | None
    standards: str | None
    cold_chain: ColdChain
    allowed_min: float | None
    allowed_max: float | None
    journey: list[Stage]


def page_batch(row: dict[str, Any], facts: StoryFacts) -> PageBatch:
    """The page's view of the batch of `row` (batches_store.consumer_page's) and its facts."""
    return PageBatch(
        product_name=row["product_name"],
        lot=row["lot"],
        trace_code=f"(01){row['gtin']}(10){row['lot']}",
        image_url=row["image_url"],
        ocop_stars=row["ocop_stars"],
        producer_name=row["producer_name"],
        producer_address=row["producer_address"],
        origin_name=row["origin_name"],
        origin_code=row["origin_code"],
        site_name=row["site_name"],
        production_date=row["production_date"],
        pack_date=row["pack_date"],
        expiry_date=row["expiry_date"],
        net_content=row["net_content"],
        standards=row["standards"],
        cold_chain=cold_chain_of(row),
        allowed_min=row["min_value"],
        allowed_max=row["max_value"],
        journey=page_journey(facts.steps, facts.inputs, verdicts_of(facts), batch=row),
    )
