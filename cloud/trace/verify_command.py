"""`txng verify [--site S]`: recompute each site's event hash chain; exit 1 on tampering."""

import logging
from collections.abc import Sequence

from cloud.db.errors import DatabaseUnavailable
from cloud.db.pool import Database
from cloud.settings.common import required_database_url
from cloud.trace.chain import verify
from plumbing.logs import configure_logging
from plumbing.settings import ConfigError, log_level

log = logging.getLogger(__name__)


def parse_links(values: Sequence[str]) -> dict[int, bytes]:
    """`POSITION:HASH` references (as a cold-chain report prints them) by position."""
    links = {}
    for value in values:
        position, sep, digest = value.partition(":")
        try:
            links[int(position)] = bytes.fromhex(digest)
        except ValueError as err:
            raise ConfigError(f"--link {value!r}: expected POSITION:SHA256-HEX") from err
        if not sep or len(digest) != 64 or int(position) < 1:
            raise ConfigError(f"--link {value!r}: expected POSITION:SHA256-HEX")
    return links


def verify_command(
    *, site: str | None, links: Sequence[str] = (), database_url_option: str | None = None
) -> int:
    """Verify and report per site; 0 when every chain checks out, 1 when one is broken.

    `links` (with a site): references a link must still match, as POSITION:HASH.
    """
    configure_logging(log_level(), json_lines=False)
    expected = parse_links(links)
    if expected and site is None:
        raise ConfigError("--link needs --site (a link is a position in one site's chain)")
    database = Database(required_database_url(database_url_option), max_connections=1)
    try:
        reports = verify(database, site, expected)
    except DatabaseUnavailable as err:
        log.error("cannot verify: %s", err)
        return 2
    finally:
        database.close()
    for report in reports:
        if report.broken is None:
            log.info(
                "site %s: %d links verified%s, %d events not chained yet",
                report.site,
                report.links,
                f" ({len(expected)} matching the given references)" if expected else "",
                report.unchained,
            )
        else:
            log.error(
                "site %s: TAMPERED at link %d (event %s): %s",
                report.site,
                report.broken.position,
                report.broken.event_id,
                report.broken.reason,
            )
    return 0 if all(r.ok for r in reports) else 1
