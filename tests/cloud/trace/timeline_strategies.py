"""Hypothesis strategies: a timeline's facts as the database hands them to timeline_json."""

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import strategies as st

from cloud.db.readings_query import Stay, StaySummary
from cloud.db.timeline_store import HEADER_COLUMNS, TimelineFacts

SITES = ("farm", "packer", "shop")
ZONES = (UTC, timezone(timedelta(hours=7)), timezone(timedelta(hours=-3, minutes=-30)))
# Vietnamese with diacritics, JSON's escapes and control characters, and any other text.
TEXT = st.text(
    st.sampled_from(list("aăâđêôơư HồngNhãnlồngsấyẠỹ\"\\/<>&\x00\x01\x08\t\n\x0c\r\x1f\x7f\u2028"))
    | st.characters(exclude_categories=("Cs",)),
    max_size=12,
)
FLOATS = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(
    (0.0, -0.0, -18.5, 1e-7, 5e-324, 1e15, 1e16, 1.2345678901234567e17, -1e300)
)

# A few instants, so that times are often equal (and the sort keeps the input order).
_INSTANTS = st.sampled_from(
    [datetime(2026, 7, 20, 16, 30, tzinfo=UTC) + timedelta(hours=h) for h in (0, 7, 31, 200)]
)
AT = st.builds(
    lambda at, us, zone: (at + timedelta(microseconds=us)).astimezone(zone),
    _INSTANTS,
    st.sampled_from((0, 5, 500000, 123456)),
    st.sampled_from(ZONES),
)


def _pg_text(at: datetime) -> str:
    """ISO text as PostgreSQL's JSON writes a timestamptz (fraction without trailing zeros)."""
    text = at.isoformat()
    if at.microsecond:
        head, offset = text[:26], text[26:]
        text = head.rstrip("0") + offset
    return text


WHEN = AT.map(_pg_text)
MAYBE_WHEN = st.none() | WHEN
MAYBE_TEXT = st.none() | TEXT
SITE = st.sampled_from(SITES)
DAY = st.none() | st.dates().map(lambda d: d.isoformat())


_HEADER: dict[str, st.SearchStrategy[Any]] = {
    "id": st.integers(1, 2**62),
    "gtin": TEXT,
    "lot": TEXT,
    "verified": st.booleans(),
    "source": st.sampled_from(("import", "scan", "api", "epcis")),
    "production_date": DAY,
    "pack_date": DAY,
    "expiry_date": DAY,
    "origin_code": MAYBE_TEXT,
    "site_id": st.none() | SITE,
    "quantity": st.one_of(
        st.none(),
        st.integers(-(10**20), 10**20),
        st.floats(allow_nan=False, allow_infinity=False),
        st.decimals(allow_nan=False, allow_infinity=False),
    ),
    "unit": MAYBE_TEXT,
    "first_seen": WHEN,
    "product_name": MAYBE_TEXT,
    "producer_name": MAYBE_TEXT,
    "producer_address": MAYBE_TEXT,
    "ocop_stars": st.none() | st.integers(1, 5),
}
assert set(_HEADER) == set(HEADER_COLUMNS)
HEADER = st.fixed_dictionaries(_HEADER)
EVENT = st.fixed_dictionaries(
    {
        "time": WHEN,
        "id": TEXT,
        "site_id": SITE,
        "location": MAYBE_TEXT,
        "biz_step": TEXT,
        "via": st.none() | TEXT,
    }
)
CAPTURED = st.fixed_dictionaries(
    {
        "time": WHEN,
        "id": st.none() | TEXT,
        "site_id": SITE,
        "biz_step": st.none() | TEXT,
        "asserted_by": st.sampled_from(("site", "partner")),
        "place": MAYBE_TEXT,
    }
)
ALERT = st.fixed_dictionaries(
    {
        "id": st.integers(1, 2**62),
        "kind": TEXT,
        "severity": TEXT,
        "state": st.sampled_from(("active_unack", "active_ack", "cleared")),
        "site_id": st.none() | SITE,
        "location": MAYBE_TEXT,
        "started_at": WHEN,
        "ended_at": MAYBE_WHEN,
    }
)
LINKED = st.fixed_dictionaries(
    {
        "from_id": st.integers(1, 99),
        "id": st.integers(1, 2**62),
        "gtin": TEXT,
        "lot": TEXT,
        "production_date": DAY,
        "origin_code": MAYBE_TEXT,
        "quantity": st.none() | st.floats(allow_nan=False, allow_infinity=False),
    }
)
UNIT = st.fixed_dictionaries(
    {"batch_id": st.integers(1, 99), "sscc": TEXT, "packed_at": WHEN, "site_id": SITE}
)
FORWARDING_ROW = st.fixed_dictionaries(
    {
        "destination": st.sampled_from(("portal", "epcis-repo", "Cổng \"QG\"")),
        "state": st.sampled_from(("sent", "pending", "parked", "skipped")),
        "events": st.integers(1, 10**6),
        "sent_at": MAYBE_WHEN,
        "missing": st.lists(
            st.sampled_from(("producer_tax_code", "origin_code", "mã \"số\"")), max_size=3
        ),
    }
)
FORWARDING = st.lists(FORWARDING_ROW, max_size=5)
MAYBE_FLOAT = st.none() | FLOATS
STAY = st.builds(
    lambda stay, count, values: StaySummary(stay, count, *values),
    st.builds(Stay, SITE, TEXT, AT, st.none() | AT, st.none() | TEXT),
    st.integers(0, 10**7),
    st.tuples(*[MAYBE_FLOAT] * 5),
)
FACTS = st.builds(
    TimelineFacts,
    header=HEADER,
    events=st.lists(EVENT, max_size=6),
    alerts=st.lists(ALERT, max_size=3),
    inputs=st.lists(LINKED, max_size=2),
    outputs=st.lists(LINKED, max_size=2),
    units=st.lists(UNIT, max_size=2),
    forwarding=FORWARDING,
    captured=st.lists(CAPTURED, max_size=3),
)
STAYS = st.lists(STAY, max_size=5)
