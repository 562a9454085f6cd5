"""The national portal's simulator and the forwarder that feeds it, both in the demo's process."""

from collections import Counter

import httpx

from cloud.db.pool import Database
from cloud.forward.backoff import Backoff
from cloud.forward.forwarder import Forwarder
from cloud.forward.portal.adapter import PortalAdapter
from cloud.forward.portal.settings import load_mapping
from cloud.portal_sim.faults import Faults
from cloud.portal_sim.server import SimServer

DESTINATION = "national-portal"
_CLIENT_ID, _CLIENT_SECRET = "txng-demo", "txng-demo-secret"


class DemoPortal:
    """A portal simulator on a free local port and one forwarder draining the outbox to it."""

    def __init__(self, database_url: str):
        self.sim = SimServer(Faults(client_id=_CLIENT_ID, client_secret=_CLIENT_SECRET))
        self._database = Database(database_url, max_connections=3, application_name="txng-demo")
        self._adapter = PortalAdapter(
            self._database,
            load_mapping(base_url=self.sim.url),
            client_id=_CLIENT_ID,
            client_secret=_CLIENT_SECRET,
            destination=DESTINATION,
            stay_recheck_s=1.0,
        )
        self.forwarder = Forwarder(
            self._database, self._adapter, backoff=Backoff(0.2, 2.0), idle_wait_s=0.2
        )

    @property
    def url(self) -> str:
        """The simulator's base URL."""
        return self.sim.url

    def start(self) -> None:
        """Start the simulator, then the forwarder."""
        self.sim.start()
        self.forwarder.start()

    def stop(self) -> None:
        """Stop the forwarder (after the batch in hand), then the simulator."""
        self.forwarder.stop()
        self._adapter.close()
        self._database.close()
        self.sim.stop()

    def accepted(self) -> tuple[dict[str, int], dict[str, int]]:
        """Confirmed records per kind, and stage events per stage, as the simulator shows them."""
        state = httpx.get(f"{self.sim.url}/_admin/state", timeout=5).json()
        kinds = {kind: int(counts["confirmed"]) for kind, counts in state["records"].items()}
        events = httpx.get(f"{self.sim.url}/_admin/records/event", timeout=5).json()
        stage_field = self.sim.state.mapping.fields.event["stage"]
        stages = Counter(str(e["body"].get(stage_field)) for e in events if e["confirmed"])
        return kinds, dict(sorted(stages.items()))
