"""Far-side objects created once: each id is stored (committed) before it is confirmed.

Exactly-once toward a portal that does not de-duplicate our client reference rests on this
order: POST, store the id, PUT the confirmation. A resend finds the stored id and only
confirms it again (a PUT on an id is idempotent). What cannot be known is the id of a create
whose answer never came (lost, timed out, or the process died before storing it): the portal
may hold that record, unconfirmed, and the known interface has no call to look it up by our
reference. The resend creates another record and confirms that one, so each reference has
exactly one confirmed record, and at most the ambiguous creates leave unconfirmed drafts.
Forwarders (threads or processes) create a shared object one at a time: an advisory lock on
its kind and key is held from the lookup to the confirmation.
"""

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from cloud.db.forward_store import lock_remote_object, remote_objects, save_remote_objects
from cloud.db.pool import Database
from cloud.forward.adapter import Journal
from cloud.forward.portal.client import PortalClient

Body = Mapping[str, Any]


class FarSide:
    """Shared and per-event objects on the portal, by our kind and key; ids kept in the database."""

    def __init__(self, database: Database, client: PortalClient, *, destination: str):
        self._database = database
        self._client = client
        self._destination = destination
        self._confirmed: dict[tuple[str, str], str] = {}  # ids known confirmed (this process)

    def ensure(
        self,
        kind: str,
        key: str,
        path: str,
        body: Callable[[], Body],
        journal: Journal,
        *,
        item_ids: tuple[int, ...],
    ) -> str:
        """The confirmed id of one object: created (POST, store, PUT) or finished as needed."""
        known = self._confirmed.get((kind, key))
        if known is not None:
            return known
        with self._database.transaction() as conn, conn.cursor() as cur:  # one creator at once
            lock_remote_object(cur, destination=self._destination, kind=kind, key=key)
            stored = remote_objects(cur, destination=self._destination, kind=kind, keys=[key])
            stored_one = stored.get(key)
            if stored_one is None:
                answer = self._client.call("POST", path, dict(body()), journal, item_ids=item_ids)
                stored_one = {"id": self._client.id_of(answer), "confirmed": False}
                self.store(kind, {key: stored_one})  # committed before the confirmation
            remote_id = str(stored_one["id"])
            if not stored_one.get("confirmed", True):  # ids stored before this were confirmed
                self._client.confirm(path, remote_id, journal, item_ids=item_ids)
                self.store(kind, {key: {"confirmed": True}})
        self._confirmed[(kind, key)] = remote_id
        return remote_id

    def stored(self, kind: str, keys: Sequence[str]) -> dict[str, dict[str, Any]]:
        """What is stored of these objects (id and whether it was confirmed)."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            return remote_objects(cur, destination=self._destination, kind=kind, keys=keys)

    def store(self, kind: str, remotes: Mapping[str, dict[str, Any]]) -> None:
        """Commit (merge) what is known of these objects, in a transaction of its own."""
        with self._database.transaction() as conn, conn.cursor() as cur:
            save_remote_objects(cur, destination=self._destination, kind=kind, remotes=remotes)
