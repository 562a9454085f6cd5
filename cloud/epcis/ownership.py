"""Whose a captured event is: the capturing site's own, a partner's, or another site's (refused).

A site may capture events that happen at its own locations (they may name any batch: goods
received from another site), and events elsewhere: those about its own batches it asserts
itself; the others (a supplier's harvest, a carrier's shipping) it passes on as asserted by a
partner, and they say so wherever they are shown. An event at another site's location, or one
that says another site's batch was made from something, would write into that site's trace:
the whole capture is refused.
"""

from collections.abc import Iterator

from psycopg2.extensions import cursor as Cursor

from cloud.db import epcis_query, epcis_store
from cloud.db.rows.epcis_query import CapturedEvent
from cloud.epcis.errors import EpcisForbidden, Problem
from cloud.epcis.naming import Naming

SITE, PARTNER = "site", "partner"


def places(cur: Cursor, naming: Naming, key: str) -> list[tuple[str, str]]:
    """Our (site, location) pairs a canonical location key names (an SGLN or a private URI)."""
    kind, _, rest = key.partition(":")
    if kind == "sgln":
        gln, _, extension = rest.partition(":")
        return epcis_query.places_with_gln(cur, gln, extension or "0")
    place = naming.private_place(key)
    return [place] if place else []


def _sites_named(cur: Cursor, naming: Naming, event: CapturedEvent) -> set[str]:
    keys = [k for k in (event.biz_location, event.read_point) if k]
    named = {site for key in keys for site, _ in places(cur, naming, key)}
    return named & epcis_store.known_sites(cur, named)


def assertions(
    cur: Cursor, naming: Naming, site: str, events: list[tuple[str, CapturedEvent]]
) -> list[str]:
    """SITE or PARTNER for each (path, event) captured for `site`; EpcisForbidden if foreign."""
    problems = list(_foreign(cur, naming, site, events))
    if problems:
        raise EpcisForbidden(problems)
    found = []
    for _, event in events:
        if site in _sites_named(cur, naming, event):
            found.append(SITE)
            continue
        owners = epcis_store.batch_sites(cur, event)
        found.append(SITE if owners == {site} else PARTNER)
    return found


def _foreign(
    cur: Cursor, naming: Naming, site: str, events: list[tuple[str, CapturedEvent]]
) -> Iterator[Problem]:
    for path, event in events:
        for other in sorted(_sites_named(cur, naming, event) - {site}):
            yield Problem(path, f"its location belongs to site {other!r}, not to {site!r}")
        for gtin, lot, owner in epcis_store.made_batch_sites(cur, event):
            if owner not in (None, site):
                yield Problem(path, f"batch {gtin}/{lot} is site {owner!r}'s: its making is theirs")
